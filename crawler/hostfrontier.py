"""The shared frontier by host: N crawler processes take turns over many hosts at once.

scrapy-redis's priority queue is one zset ordered by priority, then by the serialised
request (in effect by URL), so the next requests popped are mostly one host's, and they
wait at that host's politeness gate (crawler.workers.SharedHostDelay) while the other
hosts idle; distributed mode had to keep 16 requests in flight per process for it. This
queue keeps a zset per host (``<key>:h:<host>``, by priority as before) and one zset of
hosts (``<key>:hosts``) scored by when each may be handed out next. A pop (one Lua
script, so two processes never get the same request) takes the host whose turn came
first, hands out its best request into the worker's in-flight hash (as
crawler.distributed's reliable pop) and moves the host's turn ``DOWNLOAD_DELAY`` later:
across all processes a host is handed out at the rate its gate lets it through, and the
hosts take turns, so a process can keep hundreds of requests in flight, each at a
different host. With no delay (a CPU-bound crawl) the hosts simply take turns.

Two more rules keep one process from piling up a host: the scheduler names the hosts it
already holds ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests of (crawler.hostqueue's
count), which the pop skips; and when no host's turn has come, the pop says how long
until the next one, so the scheduler wakes the engine then instead of at Scrapy's 5 s
heartbeat. Priority orders a host's own requests; hosts take turns regardless of it.

``<key>:len`` counts the queued requests (kept by the scripts). A host whose zset is
empty stays in ``<key>:hosts`` until a pop meets it there (so a host found again keeps
its turn), and the keys are gone after a clean end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.distributed import TOKEN, ReliableQueue

# KEYS: dupefilter, host zset, hosts, len, in-flight hash
# ARGV: dont_filter, fingerprint, score, request, token it continues ('' if none), host
PUSH = """
local new = ARGV[1] == '1' or redis.call('SADD', KEYS[1], ARGV[2]) == 1
if new then
  if redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) == 1 then redis.call('INCR', KEYS[4]) end
  redis.call('ZADD', KEYS[3], 'NX', 0, ARGV[6])
end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[5], ARGV[5]) end
if new then return 1 end
return 0
"""

# KEYS: hosts, len, in-flight hash
# ARGV: token, turn (ms), host zset prefix, hosts to skip...
# Returns {1, request} or {0, ms until the next turn of a host not skipped (-1: none; a
# skipped host's request is asked for again when one of its downloads ends)}.
POP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local skip = {}
for i = 4, #ARGV do skip[ARGV[i]] = true end
local offset = 0
while true do
  local ready = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', offset, 100)
  if #ready == 0 then break end
  local gone = 0
  for _, host in ipairs(ready) do
    if not skip[host] then
      local queue = ARGV[3] .. host
      local best = redis.call('ZRANGE', queue, 0, 0)
      if #best == 0 then
        redis.call('ZREM', KEYS[1], host)
        gone = gone + 1
      else
        redis.call('ZREMRANGEBYRANK', queue, 0, 0)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), host)
        redis.call('DECR', KEYS[2])
        redis.call('HSET', KEYS[3], ARGV[1], best[1])
        return {1, best[1]}
      end
    end
  end
  offset = offset + #ready - gone
end
offset = 0
while true do
  local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf',
                           'WITHSCORES', 'LIMIT', offset, 100)
  if #later == 0 then return {0, -1} end
  for i = 1, #later, 2 do
    if not skip[later[i]] then return {0, math.floor(tonumber(later[i + 1]) - now)} end
  end
  offset = offset + #later / 2
end
"""

# KEYS: the earlier single zset, host zset, hosts, len; ARGV: request, score, host
ADOPT = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) == 1 then redis.call('INCR', KEYS[4]) end
redis.call('ZADD', KEYS[3], 'NX', 0, ARGV[3])
return 1
"""


def host_of(request: Request) -> str:
    """The host a request is queued under: the politeness gate's host."""
    return urlparse_cached(request).hostname or ""


class HostQueue(ReliableQueue):
    """A frontier of per-host zsets handed out by host turns (see the module docstring)."""

    turn_ms = 1  # set by the scheduler from DOWNLOAD_DELAY; 1 ms: hosts take turns

    @property
    def hosts_key(self) -> str:
        return f"{self.key}:hosts"

    @property
    def len_key(self) -> str:
        return f"{self.key}:len"

    def host_key(self, host: str) -> str:
        return f"{self.key}:h:{host}"

    def __len__(self) -> int:
        return max(0, int(self.server.get(self.len_key) or 0))

    def _script(self, name: str, source: str):  # type: ignore[no-untyped-def]
        script = self.__dict__.get(name)
        if script is None:
            script = self.__dict__[name] = self.server.register_script(source)
        return script

    def push(self, request: Request) -> None:
        """A request the shared filter already let through (scrapy-redis's interface)."""
        self.push_unseen([(request, "", None)], "", "", filtered=False)

    def push_unseen(
        self,
        batch: list[tuple[Request, str, str | None]],
        dupefilter: str,
        inflight: str,
        *,
        filtered: bool = True,
    ) -> list[bool]:
        """Queue each (request, fingerprint, token) unless the shared filter has it (or it
        is dont_filter): one pipelined round trip, each request atomic by itself."""
        script = self._script("_push", PUSH)
        pipe = self.server.pipeline(transaction=False)
        for request, fingerprint, token in batch:
            host = host_of(request)
            keys = [dupefilter or self.len_key, self.host_key(host), self.hosts_key]
            keys += [self.len_key, inflight or self.hosts_key]
            unfiltered = request.dont_filter or not filtered
            args = ["1" if unfiltered else "0", fingerprint, -request.priority]
            args += [self._encode_request(request), token or "", host]
            script(keys=keys, args=args, client=pipe)
        return [bool(r) for r in pipe.execute()]

    def push_replacing(self, request: Request, inflight: str, token: str | None) -> None:
        """Queue ``request`` and drop the in-flight entry it continues, in one step."""
        script = self._script("_push", PUSH)
        host = host_of(request)
        keys = [self.len_key, self.host_key(host), self.hosts_key, self.len_key, inflight]
        args = ["1", "", -request.priority, self._encode_request(request), token or "", host]
        script(keys=keys, args=args)

    def pop_ready(self, inflight: str, busy: Iterable[str] = ()) -> tuple[Request | None, int]:
        """The best request of the host whose turn came first (not one of ``busy``), moved
        into ``inflight``; else (None, ms until the next turn, -1 if none is due)."""
        token = uuid.uuid4().hex
        script = self._script("_pop", POP)
        keys = [self.hosts_key, self.len_key, inflight]
        found, value = script(keys=keys, args=[token, self.turn_ms, f"{self.key}:h:", *busy])
        if not found:
            return None, int(value)
        request = self._decode_request(value)
        request.meta[TOKEN] = token
        return request, 0

    def pop_into(self, inflight: str) -> Request | None:
        return self.pop_ready(inflight)[0]

    def pop(self, timeout: int = 0) -> Request | None:
        """scrapy-redis's interface, for completeness: a pop that nothing tracks."""
        request, _ = self.pop_ready(f"{self.key}:untracked")
        self.server.delete(f"{self.key}:untracked")
        if request is not None:
            request.meta.pop(TOKEN, None)
        return request

    def adopt_single_zset(self, chunk: int = 500) -> int:
        """Move the requests a crawl queued with the earlier single zset (``<key>``
        itself) into their hosts' queues, each exactly once (a crawl resumed after an
        upgrade, or with OGI_DISTRIBUTED_QUEUE changed); returns how many moved."""
        if self.server.type(self.key) not in (b"zset", "zset"):
            return 0
        script = self._script("_adopt", ADOPT)
        moved = 0
        while True:
            members = self.server.zrange(self.key, 0, chunk - 1, withscores=True)
            if not members:
                return moved
            pipe = self.server.pipeline(transaction=False)
            for data, score in members:
                host = host_of(self._decode_request(data))
                keys = [self.key, self.host_key(host), self.hosts_key, self.len_key]
                script(keys=keys, args=[data, score, host], client=pipe)
            moved += sum(pipe.execute())

    def clear(self) -> None:
        """Every key of this queue (a flush, or the clean end of a crawl)."""
        keys = [self.hosts_key, self.len_key]
        keys += list(self.server.scan_iter(match=f"{self.key}:h:*", count=1000))
        self.server.delete(*keys)
