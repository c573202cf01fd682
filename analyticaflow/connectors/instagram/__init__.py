"""Instagram (Graph API with Facebook Login): organic account and post insights → ``social_daily``."""
