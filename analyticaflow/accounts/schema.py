"""OpenAPI descriptions of the product's authentication schemes (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "analyticaflow.accounts.authentication.ProjectApiKeyAuthentication"
    name = "projectApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "Secret project API key (sk_...): read-only access to one project."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "analyticaflow.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
