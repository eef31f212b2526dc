namespace ShmGen;

/// <summary>Thrown by <c>Open</c> when no segment has the name (it was never created, was unlinked, or systemd's RemoveIPC removed it at logout).</summary>
public sealed class SegmentNotFoundException : SharedSegmentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="segmentName">The POSIX name of the segment, without the leading '/'.</param>
    /// <param name="message">What went wrong, naming the segment and the failed call.</param>
    /// <param name="errorNumber">The <c>errno</c> that caused it, if a system call failed.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SegmentNotFoundException(string segmentName, string message, int? errorNumber = null, System.Exception? innerException = null)
        : base(segmentName, message, errorNumber, innerException)
    {
    }
}
