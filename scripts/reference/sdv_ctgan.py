"""Fits the reference CTGAN (PyPI `ctgan`, sdv-dev/CTGAN) on a shared tabular set with its
defaults and writes what scripts/reference_quality.sh compares with synthkit's CTGAN:
`<out>/all.csv` (as many rows as train, unconditional) and `<out>/rare.csv` (1000 rows asked
for with `condition_column=<target>, condition_value=<positive>`), plus `<out>/fit.json`.

    python sdv_ctgan.py DATASET_DIR TARGET POSITIVE EPOCHS SEED OUT
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import torch
from ctgan import CTGAN

data_dir, target, positive, epochs, seed, out = sys.argv[1:7]
epochs, seed = int(epochs), int(seed)
torch.manual_seed(seed)
np.random.seed(seed)
meta = json.load(open(f"{data_dir}/meta.json"))
train = pd.read_csv(f"{data_dir}/train.csv")
discrete = meta["categorical"]
for c in discrete:
    train[c] = train[c].astype(str)
model = CTGAN(epochs=epochs)  # every other argument at the reference default
t0 = time.time()
model.fit(train, discrete)
fit_s = time.time() - t0
model.sample(len(train)).to_csv(f"{out}/all.csv", index=False)
rare = model.sample(1000, condition_column=target, condition_value=positive)
rare.to_csv(f"{out}/rare.csv", index=False)
json.dump(
    {"epochs": epochs, "seed": seed, "fit_seconds": fit_s, "torch_threads": torch.get_num_threads(),
     "rare_rows_of_the_class": int((rare[target] == positive).sum())},
    open(f"{out}/fit.json", "w"),
)
