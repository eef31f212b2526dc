namespace ShmGen;

/// <summary>Thrown when the segment cannot be backed by memory (tmpfs full, memory or mapping limits); a half-created segment is removed first.</summary>
public sealed class OutOfSharedMemoryException : SharedSegmentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="segmentName">The POSIX name of the segment, without the leading '/'.</param>
    /// <param name="message">What went wrong, naming the segment and the failed call.</param>
    /// <param name="errorNumber">The <c>errno</c> that caused it, if a system call failed.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public OutOfSharedMemoryException(string segmentName, string message, int? errorNumber = null, System.Exception? innerException = null)
        : base(segmentName, message, errorNumber, innerException)
    {
    }
}
