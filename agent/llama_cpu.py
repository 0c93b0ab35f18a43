"""llama-cpp-python, imported with a workaround for CPUs whose AMX tiles crash it.

pip builds llama-cpp-python from source with ``-march=native``. On a CPU that reports AMX
(``amx_int8``; Sapphire Rapids and later) the build adds an AMX weight buffer, and on machines
where the tiles are advertised but not usable (seen in a virtual machine here) every model load
then dies with a segmentation fault, before a token is written. llama.cpp's model parameter
``use_extra_bufts = false`` keeps the weights in plain CPU buffers, where the same build runs
(SmolLM2-135M at the same order of speed: the extra buffers only repack weights).

:func:`import_llama_cpp` imports the package and, where its build has AMX, makes every model it
loads in this process use plain buffers: ``Llama(...)`` reads its defaults from
``llama_model_default_params``, which is wrapped here, so no call site has to change.
``LIMI_LLAMA_EXTRA_BUFFERS=1`` keeps llama.cpp's own choice. ``python -m agent.llama_cpu ARGS``
runs ``llama_cpp.server ARGS`` the same way (the tests' real OpenAI-compatible server).

Start-up stays instant: nothing here imports llama_cpp until a model is about to be loaded.
"""

from __future__ import annotations

import functools
import os
from typing import Any


def import_llama_cpp() -> Any:
    """``llama_cpp``, with plain weight buffers where its build has AMX (see the module doc)."""
    import llama_cpp

    _plain_buffers_where_needed()
    return llama_cpp


def plain_buffers_needed(system_info: bytes) -> bool:
    """Whether this llama.cpp build has the AMX buffer (its system info says ``AMX_INT8 = 1``)."""
    return b"AMX_INT8 = 1" in system_info


@functools.cache
def _plain_buffers_where_needed() -> None:
    """Wraps ``llama_model_default_params`` once per process, where the build needs it."""
    import llama_cpp.llama_cpp as lib

    if not plain_buffers_needed(lib.llama_print_system_info()) or os.environ.get("LIMI_LLAMA_EXTRA_BUFFERS") == "1":
        return
    default = lib.llama_model_default_params
    if not hasattr(default(), "use_extra_bufts"):  # an older llama.cpp, without the parameter
        return

    def model_params():
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = model_params


if __name__ == "__main__":
    import runpy

    import_llama_cpp()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
