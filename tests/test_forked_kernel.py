"""A kernel forked from the warm server behaves as a freshly started one: its plots are
images (the inline backend hooked into the shell), as in JupyterLab."""
from __future__ import annotations

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from autograder.sandbox.kernel import SandboxKernelManager


def test_plots_of_a_forked_kernel_are_png_images():
    nb = new_notebook(cells=[new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"),
                             new_code_cell("plt.figure()\nplt.plot([3, 1]);")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_manager_class=SandboxKernelManager, timeout=60).execute()
    for cell in nb.cells:
        kinds = [sorted(o.get("data", {})) for o in cell.outputs if o.output_type == "display_data"]
        assert kinds == [["image/png", "text/plain"]], cell.outputs
