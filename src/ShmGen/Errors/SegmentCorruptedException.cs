namespace ShmGen;

/// <summary>Thrown when a segment's file is smaller than its header says, or its magic, version or header fields are invalid, or its lock can no longer be recovered. Attaching never maps past the file's end, so this replaces a SIGBUS.</summary>
public sealed class SegmentCorruptedException : SharedSegmentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="segmentName">The POSIX name of the segment, without the leading '/'.</param>
    /// <param name="message">What went wrong, naming the segment and the failed call.</param>
    /// <param name="errorNumber">The <c>errno</c> that caused it, if a system call failed.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SegmentCorruptedException(string segmentName, string message, int? errorNumber = null, System.Exception? innerException = null)
        : base(segmentName, message, errorNumber, innerException)
    {
    }
}
