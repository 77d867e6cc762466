# Writes python_written.safetensors with Python's safetensors package (numpy API): the fixture OptimTests reads.
# Run: pip install safetensors numpy && python3 make_python_fixture.py
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "weight": np.array([[0.5, -1.25, 3.0], [1e-3, -0.0, 65504.0]], dtype=np.float32),
    "indices": np.array([-2, 0, 7, 2147483647], dtype=np.int32),
    "counts": np.array([-9007199254740993, 12], dtype=np.int64),
    "scale": np.array(0.1, dtype=np.float64),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
save_file(tensors, "python_written.safetensors", metadata={"iteration": "7", "seed": "42", "writer": "python"})
