"""Meta (Facebook) Marketing API: ad account insights per campaign / ad set / ad and day."""
