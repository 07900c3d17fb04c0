"""Package data of an installed parbook: the check catalogue, the notebooks and the reference
data (copied from the repository's checks/, notebooks/ and data/reference/ when the wheel is
built; a checkout reads those folders directly — parbook.store.config.resource_dir)."""
