"""The crawler: one generic Scrapy spider driven by the portal list.

It decides what to fetch and hands every kept response to archive/ (crawler.archiving);
it never parses reports.
"""
