"""agent.llama_cpu: llama.cpp builds with AMX load models into plain CPU buffers (a native build
crashed on every model load on a machine whose CPU reports AMX)."""

import subprocess
import sys

from agent.llama_cpu import import_llama_cpp, plain_buffers_needed

AMX_INFO = b"CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | REPACK = 1 | "
AVX2_INFO = b"CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | LLAMAFILE = 1 | REPACK = 1 | "


def test_only_a_build_with_amx_needs_plain_buffers():
    assert plain_buffers_needed(AMX_INFO)
    assert not plain_buffers_needed(AVX2_INFO)
    assert not plain_buffers_needed(b"")


def test_models_loaded_here_use_plain_buffers_exactly_where_the_build_has_amx():
    lib = import_llama_cpp().llama_cpp
    amx = plain_buffers_needed(lib.llama_print_system_info())
    assert lib.llama_model_default_params().use_extra_bufts is (not amx)
    assert import_llama_cpp() is import_llama_cpp()  # applied once, whatever the calls


def test_the_variable_keeps_llama_cpps_own_choice():
    code = ("from agent.llama_cpu import import_llama_cpp;"
            "print(import_llama_cpp().llama_cpp.llama_model_default_params().use_extra_bufts)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"LIMI_LLAMA_EXTRA_BUFFERS": "1", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "True"


def test_the_embedded_model_loads_and_writes(embedded_gguf):
    """Every model load here goes through the wrapper: the embedded GGUF really generates."""
    llm = import_llama_cpp().Llama(model_path=str(embedded_gguf), n_ctx=512, n_threads=1, verbose=False)
    out = llm.create_completion("The capital of France is", max_tokens=4, temperature=0.0)
    assert out["choices"][0]["text"].strip()
