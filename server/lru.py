"""A thread-safe LRU bounded by entries and by bytes, for answers computed from data
that does not change while a server process runs (rendered descriptions, SPARQL
answers). Items are anything with a ``body`` (bytes); what counts is the item's ``size``
when it has one (an answer with its headers and key), else the body's length."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class BoundedLRU:
    """At most ``max_entries`` items and ``max_bytes`` of bodies; a body larger than
    ``largest`` (default: an eighth of ``max_bytes``) is not kept (one huge answer must
    not flush the rest). ``max_entries=0`` turns it off."""

    def __init__(self, max_entries: int, max_bytes: int, largest: int | None = None):
        self.max_entries = max(0, int(max_entries))
        self.max_bytes = max(0, int(max_bytes))
        self.largest = self.max_bytes // 8 if largest is None else min(int(largest), self.max_bytes)
        self.bytes = 0
        self.hits = self.misses = 0
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def get(self, key: Hashable):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    @staticmethod
    def size_of(item) -> int:
        size = getattr(item, "size", None)
        return len(item.body) if size is None else size

    def put(self, key: Hashable, item) -> None:
        size = self.size_of(item)
        if not self.max_entries or size > self.largest:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= self.size_of(old)
            self._items[key] = item
            self.bytes += size
            while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.bytes -= self.size_of(dropped)
