"""Local fake servers reproducing each platform's real request/response shapes (see /work/shared/connectors)."""
