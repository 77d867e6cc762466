// Camera rays: each of the sensor's projections turns film positions (and aperture samples) into world-space rays.
import Tracer

extension Sensor {
    /// One ray per lane through the continuous film position `position` (column, row from the top, in pixels of
    /// the film's crop, which a crop window places in the whole image).
    /// A thin lens also takes a point of the unit square per lane, `aperture` (the sample Mitsuba draws after the
    /// film position); the other projections take none. Ray origins lie on the near clip plane and rays end on the
    /// far one, as in Mitsuba.
    public func sampleRays(position: Point2Array, aperture: Point2Array? = nil) -> RayArray {
        precondition(projection.needsApertureSample == (aperture != nil),
                     "Sensor.sampleRays: a \(projection.pluginName) camera \(projection.needsApertureSample ? "needs" : "takes no") aperture sample")
        // Positions are the crop's; the camera sees them in the whole image.
        let sx = (film.cropOffsetX == 0 ? position.x : position.x + Float(film.cropOffsetX)) / Float(film.fullWidth)
        let sy = (film.cropOffsetY == 0 ? position.y : position.y + Float(film.cropOffsetY)) / Float(film.fullHeight)
        switch projection {
        case .perspective:
            return pinholeRays(sx: sx, sy: sy)
        case .thinLens(let apertureRadius, let focusDistance):
            return thinLensRays(sx: sx, sy: sy, aperture: aperture!, radius: apertureRadius, focus: focusDistance)
        case .orthographic:
            return orthographicRays(sx: sx, sy: sy)
        }
    }

    /// With s = (x / full width, y / full height), the point (1 − 2sx)·T, (1 − 2sy)·T / aspect of the image plane z = 1.
    private func imagePlanePoint(sx: FloatArray, sy: FloatArray) -> (x: FloatArray, y: FloatArray) {
        let t = tangentOfHalfAngle
        return ((1 - sx * 2) * t, (1 - sy * 2) * (t / film.aspectRatio))
    }

    /// The pinhole: d_loc = normalize(image-plane point, 1), d = toWorld · d_loc, the origin o + d·(near / d_loc.z)
    /// and maxT = (far − near) / d_loc.z.
    private func pinholeRays(sx: FloatArray, sy: FloatArray) -> RayArray {
        let (planeX, planeY) = imagePlanePoint(sx: sx, sy: sy)
        let squaredLength = planeX * planeX + planeY * planeY + 1
        let localZ = 1 / sqrt(squaredLength)
        let local = Vector3Array(x: planeX * localZ, y: planeY * localZ, z: localZ)
        let direction = toWorld.applyVector(local)
        let toNearPlane = nearClip / localZ
        let origin = Vector3Array(repeating: toWorld.translation, count: sx.count) + direction * toNearPlane
        let maxT = (farClip - nearClip) / localZ
        return RayArray(origin: origin, direction: direction, maxT: maxT)
    }

    /// The thin lens: a point a = r · concentric-disk(aperture) of the lens (z = 0) aims at the film position's
    /// point on the plane of focus, f · (image-plane point, 1); the ray starts where it crosses the near plane and
    /// ends on the far one.
    private func thinLensRays(sx: FloatArray, sy: FloatArray, aperture: Point2Array, radius: Float,
                              focus: Float) -> RayArray {
        let (planeX, planeY) = imagePlanePoint(sx: sx, sy: sy)
        let disk = squareToUniformDiskConcentric(aperture)
        let lensX = disk.x * radius, lensY = disk.y * radius
        let towardFocus = Vector3Array(x: planeX * focus - lensX, y: planeY * focus - lensY,
                                       z: FloatArray(repeating: focus, count: sx.count))
        let local = towardFocus.normalized()
        let direction = toWorld.applyVector(local)
        let lensPoint = toWorld.applyPoint(Vector3Array(x: lensX, y: lensY, z: FloatArray(repeating: 0, count: sx.count)))
        let inverseZ = 1 / local.z
        let nearT = inverseZ * nearClip
        let farT = inverseZ * farClip
        return RayArray(origin: lensPoint + direction * nearT, direction: direction, maxT: farT - nearT)
    }

    /// The orthographic camera: the camera-space point (1 − 2sx, (1 − 2sy) / aspect, near) placed by `toWorld`
    /// (scale included), every ray along toWorld · (0, 0, 1) normalised, maxT = far − near.
    private func orthographicRays(sx: FloatArray, sy: FloatArray) -> RayArray {
        let count = sx.count
        let local = Vector3Array(x: 1 - sx * 2, y: (1 - sy * 2) * (1 / film.aspectRatio),
                                 z: FloatArray(repeating: nearClip, count: count))
        let axis = toWorld.matrix.column(2)
        let length = (axis.x * axis.x + axis.y * axis.y + axis.z * axis.z).squareRoot()
        let direction = Vector3Array(repeating: Vector3f(axis.x / length, axis.y / length, axis.z / length),
                                     count: count)
        return RayArray(origin: toWorld.applyPoint(local), direction: direction,
                        maxT: FloatArray(repeating: farClip - nearClip, count: count))
    }
}
