"""How often the process's cyclic garbage collector runs, set once for a whole command.

CPython starts a collection of its youngest objects every 700 net allocations of container
objects, and every tenth one rescans the older generation, and so on up to the whole heap. A run
allocates millions of short-lived containers (request bodies, parsed answers, records) beside a
heap of long-lived ones (the SDK's types, the rules' patterns), and the default pace spends its
time rescanning the long-lived: on 10,000 articles against the fake server, 2.4-2.9 s of a
label run's 18-26 s of CPU went to collections, and 14 full ones; at 50,000 allocations, 0.4-0.8 s
and none, for 5-8 MB more peak memory (docs/benchmarks.md). Reference counting still frees
everything that is not in a cycle at once; only cyclic garbage waits longer.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 10)


def collect_less_often() -> None:
    """Set the collector's thresholds for a batch command (the process's entry point calls this)."""
    gc.set_threshold(*THRESHOLDS)


def skip_final_collection() -> None:
    """Spare the exiting process a last collection of its whole heap.

    When the interpreter exits, it collects every tracked object before it frees them, which after
    an `eval` of 10,000 replayed items took 0.3 s of the command's 5. Freezing the heap hides it
    from that pass; the objects are still freed, module by module, and exit handlers still run.
    Only garbage cycles that were already unreachable are left for the process's end to free,
    so nothing may count on a cycle's finalizer to save data: the stores, files and pipes are
    closed by the code that opened them."""
    gc.freeze()
