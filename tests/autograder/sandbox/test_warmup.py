"""The fork server's plot warm-up changes no pixel and saves the kernels' mathtext parsing."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from ...conftest import ROOT

# A figure as the chapters draw them (log axes over a range the warm-up did not draw,
# mathtext in the legend and the labels), printed as the inline backend prints it.
PROGRAM = textwrap.dedent("""
    import json, sys
    import matplotlib
    matplotlib.use("agg")
    import numpy as np
    import matplotlib.pyplot as plt
    from matplotlib import _mathtext
    from IPython.core.pylabtools import print_figure

    parsed = []
    own_parse = _mathtext.Parser.parse
    def parse(self, s, *args):
        parsed.append(s)
        return own_parse(self, s, *args)
    _mathtext.Parser.parse = parse

    def draw():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        h = np.logspace(-14, -1, 60)
        ax.loglog(h, h ** 2 + 1e-12, label=r"forward, $\\sqrt{\\varepsilon}$")
        ax.loglog(h, h ** 4 + 1e-12, label="central")
        ax.set_xlabel("step $h$")
        ax.legend()
        png = print_figure(fig, "png")
        plt.close(fig)
        return png

    if sys.argv[1] == "warm":
        from autograder.sandbox import warmup
        warmup.plots()
    counts, pngs = [], []
    for _ in range(2):
        before = len(parsed)
        pngs.append(draw())
        counts.append(len(parsed) - before)
    import hashlib
    print(json.dumps({"pngs": [hashlib.sha256(png).hexdigest() for png in pngs],
                      "size": len(pngs[0]), "parses": counts}))
""")


def run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_warm_figure_is_the_same_png_and_parses_no_label_again():
    cold, warm = run("cold"), run("warm")
    assert cold["size"] > 10_000
    assert len(set(cold["pngs"] + warm["pngs"])) == 1  # the same bytes, warm or not
    # Without the warm-up, every figure parses all its labels again (a new renderer, a
    # new cache): the ticks and the two texts with mathtext.
    assert cold["parses"][0] >= 8 and cold["parses"][1] == cold["parses"][0]
    # With it, the first figure parses only its own texts (every tick label was laid out
    # by the warm-up), and the second figure nothing.
    assert warm["parses"] == [2, 0]


def test_the_warm_up_alone_parses_every_decade_a_plot_shows():
    program = textwrap.dedent("""
        import json, matplotlib
        matplotlib.use("agg")
        import matplotlib.pyplot as plt, numpy as np
        from matplotlib import _mathtext
        from IPython.core.pylabtools import print_figure
        from autograder.sandbox import warmup
        warmup.plots()
        parsed = []
        own_parse = _mathtext.Parser.parse
        _mathtext.Parser.parse = lambda self, s, *a: (parsed.append(s), own_parse(self, s, *a))[1]
        fig, ax = plt.subplots()
        ax.loglog(np.logspace(-16, 0, 30), np.logspace(-12, 2, 30))
        print_figure(fig, "png")
        print(json.dumps(parsed))
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_forked_kernel_draws_with_the_fonts_opened_again_as_its_own():
    program = textwrap.dedent("""
        import io, json, os
        import matplotlib
        matplotlib.use("agg")
        import matplotlib.pyplot as plt
        from autograder.sandbox import warmup
        files = warmup.plots()
        offsets = {fd: os.lseek(fd, 0, os.SEEK_CUR) for fd in files}
        pid = os.fork()
        if pid == 0:
            os.closerange(3, 1 << 16)  # as the fork server's child does
            warmup.reopen(files)
            os.pipe()  # new descriptors must not land on a font's
            for fd in files:
                os.lseek(fd, 12345, os.SEEK_SET)  # its own file offset, not the server's
            fig, ax = plt.subplots()
            ax.loglog([1e-9, 1], [1e-9, 1])
            ax.set_title("$h$ and $\\\\varepsilon$")
            fig.savefig(io.BytesIO(), format="png")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"files": sorted(files.values()), "status": os.waitstatus_to_exitcode(status),
                          "moved": [fd for fd in files if os.lseek(fd, 0, os.SEEK_CUR) != offsets[fd]]}))
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["files"] and all(path.endswith((".ttf", ".otf", ".afm")) for path in result["files"])
    assert result["status"] == 0, done.stderr
    assert result["moved"] == []


def test_the_warm_up_lays_out_labels_at_every_resolution_the_course_draws():
    import re

    from autograder.sandbox import warmup

    used = {int(dpi) for path in (ROOT / "adcourse").glob("*.py")
            for dpi in re.findall(r"savefig\([^)]*dpi=(\d+)", path.read_text())}
    assert used and used <= set(warmup.DPIS)
