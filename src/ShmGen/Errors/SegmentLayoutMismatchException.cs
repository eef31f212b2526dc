namespace ShmGen;

/// <summary>
/// Thrown by <c>Open</c> when the segment was created by a build whose struct layout differs from this one's. The segment
/// is left untouched; the message lists both fingerprints and the fields that differ.
/// </summary>
public sealed class SegmentLayoutMismatchException : SharedSegmentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="segmentName">The POSIX name of the segment, without the leading '/'.</param>
    /// <param name="message">What differs.</param>
    /// <param name="expectedFingerprint">This build's layout fingerprint.</param>
    /// <param name="actualFingerprint">The fingerprint stored in the segment's header.</param>
    public SegmentLayoutMismatchException(string segmentName, string message, ulong expectedFingerprint, ulong actualFingerprint)
        : base(segmentName, message)
    {
        ExpectedFingerprint = expectedFingerprint;
        ActualFingerprint = actualFingerprint;
    }

    /// <summary>This build's layout fingerprint.</summary>
    public ulong ExpectedFingerprint { get; }

    /// <summary>The fingerprint stored in the segment's header.</summary>
    public ulong ActualFingerprint { get; }
}
