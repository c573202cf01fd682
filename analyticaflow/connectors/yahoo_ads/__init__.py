"""Yahoo! JAPAN Ads (Search and Display): report definition → poll → CSV download, JPY, Asia/Tokyo."""
