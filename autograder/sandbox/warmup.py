"""What the fork server does once so that every kernel it forks does not.

Most of a correct notebook's kernel time goes into its plots, and most of a plot's
time into Matplotlib's mathtext parser (pyparsing, in Python) laying out the tick
labels of log axes, `$\\mathdefault{10^{-8}}$`. Matplotlib caches those layouts, but
per renderer, and every figure gets a new renderer: each plot parses its labels
again. `plots()` gives every Agg renderer one shared parser, so a layout parsed for
one figure serves the next (its cache is keyed by the text, the font and the dpi, so
nothing else changes: the PNG is byte for byte the same, see
tests/autograder/sandbox/test_warmup.py), and draws a log-log figure at each resolution the
course's plots use, so that the labels of every decade they show are parsed before
any kernel is forked.

Run in the fork server after its imports, before any kernel exists; it starts no
thread. The fonts the figure loaded stay open (FreeType reads glyphs from them as it
draws), so `plots()` returns them, and each forked kernel opens them again at the same
descriptors (`reopen`) after closing everything it inherited: its own open file, never
one shared with the server or another kernel, and only read-only regular files.
"""
from __future__ import annotations

import fcntl
import functools
import gc
import io
import os
import stat

from matplotlib.mathtext import MathTextParser

#: The decades whose log-axis labels are laid out in advance (both axes).
DECADES = range(-20, 6)
#: The resolutions they are laid out at: the inline backend's (the default figure dpi)
#: and the widgets' images of `adcourse` (a test keeps this list in step with them).
DPIS = (100, 90, 80)


class SharedParser(MathTextParser):
    """One parser for every Agg renderer, with room for the labels of many figures
    (Matplotlib's own cache holds 50 layouts)."""

    @functools.lru_cache(1024)
    def _parse_cached(self, *key):
        return MathTextParser._parse_cached.__wrapped__(self, *key)


def share_mathtext_parser() -> None:
    """Every Agg renderer created from now on uses one mathtext parser (and its cache)."""
    from matplotlib.backends import backend_agg

    if getattr(backend_agg.RendererAgg, "_shared_mathtext_parser", None) is not None:
        return
    own_init = backend_agg.RendererAgg.__init__
    parser = SharedParser("path")

    def __init__(self, *args, **kwargs):
        own_init(self, *args, **kwargs)
        self.mathtext_parser = parser

    __init__.__wrapped__ = own_init
    backend_agg.RendererAgg.__init__ = __init__
    backend_agg.RendererAgg._shared_mathtext_parser = parser


def plots() -> dict[int, str]:
    """Share the parser, then draw (and discard) a figure with a label for every decade
    at each of `DPIS`.

    Returns the files left open by it (descriptor -> path), all read-only regular files;
    if it would leave anything else open, it undoes the warm-up and raises."""
    before = open_files()
    try:
        _draw()
    except BaseException:
        undo()
        raise
    left = {fd: path for fd, path in open_files().items() if fd not in before}
    for fd, path in left.items():
        if not stat.S_ISREG(os.fstat(fd).st_mode) or fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_RDONLY:
            undo()
            raise RuntimeError(f"the warm-up left {path} open for more than reading")
    return left


def reopen(files: dict[int, str]) -> None:
    """In a forked kernel, once it has closed what it inherited: each file again, at its descriptor."""
    for fd in sorted(files):
        new = os.open(files[fd], os.O_RDONLY | os.O_CLOEXEC)
        if new != fd:
            os.dup2(new, fd, inheritable=False)
            os.close(new)


def open_files() -> dict[int, str]:
    files = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            files[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:  # the descriptor listdir itself used
            pass
    return files


def undo() -> None:
    """Back to Matplotlib's own behaviour, with every font the warm-up opened closed."""
    from matplotlib import font_manager
    from matplotlib.backends import backend_agg
    init = backend_agg.RendererAgg.__init__
    backend_agg.RendererAgg.__init__ = getattr(init, "__wrapped__", init)
    backend_agg.RendererAgg._shared_mathtext_parser = None
    MathTextParser._parse_cached.cache_clear()
    SharedParser._parse_cached.cache_clear()
    font_manager._get_font.cache_clear()
    gc.collect()


def _draw() -> None:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    share_mathtext_parser()
    ticks = [10.0 ** k for k in DECADES]
    with matplotlib.rc_context():
        for dpi in DPIS:
            figure = Figure(dpi=dpi)
            FigureCanvasAgg(figure)
            axes = figure.add_subplot()
            axes.loglog(ticks, ticks)
            axes.set_xticks(ticks)
            axes.set_yticks(ticks)
            figure.savefig(io.BytesIO(), format="png", dpi=dpi, bbox_inches="tight")
