"""Scrapy settings (settings.crawl), setting names (settings.names) and the portal list."""
