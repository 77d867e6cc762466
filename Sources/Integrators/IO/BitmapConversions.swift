// Bitmap conversions: sRGB <-> linear, clamping and channel selection (drop alpha, gray -> RGB).

extension Bitmap {
    /// A copy with linear color values. If `isSRGB` is true every color channel goes through
    /// `SRGBTransfer.linear(fromEncoded:)` (alpha untouched) and the result has
    /// `isSRGB == false`; a bitmap that is already linear is returned unchanged.
    public func linearized() -> Bitmap {
        guard isSRGB else { return self }
        var result = mappingColorChannels(SRGBTransfer.linear(fromEncoded:))
        result.isSRGB = false
        return result
    }

    /// A copy with sRGB-encoded color values. If `isSRGB` is false every color channel goes
    /// through `SRGBTransfer.encoded(fromLinear:)` (alpha untouched) and the result has
    /// `isSRGB == true`; a bitmap that is already encoded is returned unchanged.
    /// Values are not clamped: combine with `clamped()` before quantizing.
    public func srgbEncoded() -> Bitmap {
        guard !isSRGB else { return self }
        var result = mappingColorChannels(SRGBTransfer.encoded(fromLinear:))
        result.isSRGB = true
        return result
    }

    /// A copy with every sample (alpha included) clamped to `range`; NaN becomes the lower bound.
    public func clamped(to range: ClosedRange<Float> = 0...1) -> Bitmap {
        var result = self
        for index in result.pixels.indices {
            let value = result.pixels[index]
            result.pixels[index] = value.isNaN
                ? range.lowerBound : Swift.min(Swift.max(value, range.lowerBound), range.upperBound)
        }
        return result
    }

    /// A bitmap made of the given channels of this one, in the given order
    /// (e.g. `[2, 1, 0]` swaps red and blue, `[0, 0, 0]` repeats gray three times).
    public func selectingChannels(_ channels: [Int]) -> Bitmap {
        precondition(!channels.isEmpty, "selectingChannels needs at least one channel")
        precondition(channels.allSatisfy { $0 >= 0 && $0 < channelCount },
                     "selectingChannels(\(channels)) outside 0..<\(channelCount)")
        let pixelCount = width * height
        var samples = [Float](repeating: 0, count: pixelCount * channels.count)
        pixels.withUnsafeBufferPointer { source in
            samples.withUnsafeMutableBufferPointer { destination in
                for pixel in 0..<pixelCount {
                    for (slot, channel) in channels.enumerated() {
                        destination[pixel * channels.count + slot] =
                            source[pixel * channelCount + channel]
                    }
                }
            }
        }
        return Bitmap(width: width, height: height, channelCount: channels.count,
                      pixels: samples, isSRGB: isSRGB)
    }

    /// A copy without the alpha channel (gray + alpha -> gray, RGBA -> RGB); unchanged if
    /// there is no alpha.
    public func droppingAlpha() -> Bitmap {
        guard hasAlpha else { return self }
        return selectingChannels(Array(0..<channelCount - 1))
    }

    /// A copy with gray expanded to RGB (gray -> RGB, gray + alpha -> RGBA); unchanged for
    /// other channel counts.
    public func expandingGrayToRGB() -> Bitmap {
        switch channelCount {
        case 1: return selectingChannels([0, 0, 0])
        case 2: return selectingChannels([0, 0, 0, 1])
        default: return self
        }
    }

    /// Applies `transform` to every color (non-alpha) sample.
    private func mappingColorChannels(_ transform: (Float) -> Float) -> Bitmap {
        var result = self
        let colorChannels = colorChannelCount
        result.pixels.withUnsafeMutableBufferPointer { samples in
            for start in stride(from: 0, to: samples.count, by: channelCount) {
                for channel in 0..<colorChannels {
                    samples[start + channel] = transform(samples[start + channel])
                }
            }
        }
        return result
    }
}
