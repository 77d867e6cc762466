// Optim: parameters, dense layers, activations, losses and optimisers over traced arrays (PyTorch semantics).
// The module's layers arrive with the optimize issue; it is declared now so the package layout matches DESIGN.md.
import Tracer
