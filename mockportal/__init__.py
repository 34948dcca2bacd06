"""Local look-alikes of government portals, for tests, benchmarks and `ogi demo`.

They only ever listen on 127.0.0.1; see mockportal.server.
"""
