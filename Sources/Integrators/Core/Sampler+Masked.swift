// Draws that advance only some lanes' random streams, as Mitsuba's `sampler->next_1d(active)` does.
import Tracer

extension Sampler {
    /// One number in [0, 1) per lane; only the lanes of `active` advance their streams (the others keep theirs and
    /// get an unspecified number). Mitsuba's integrators that draw under a mask (`volpath`) consume their streams
    /// this way, so the same seed draws the same numbers per lane.
    mutating func next1D(masked active: BoolArray) -> FloatArray {
        let before = self
        let u = next1D()
        self = select(active, self, before)
        return u
    }

    /// Two numbers in [0, 1) per lane, advancing only the lanes of `active` (`next1D(masked:)`).
    mutating func next2D(masked active: BoolArray) -> Point2Array {
        let before = self
        let u = next2D()
        self = select(active, self, before)
        return u
    }
}
