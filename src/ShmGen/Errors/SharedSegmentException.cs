using System.IO;

namespace ShmGen;

/// <summary>The base of every ShmGen failure that concerns a named segment.</summary>
public class SharedSegmentException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="segmentName">The POSIX name of the segment, without the leading '/'.</param>
    /// <param name="message">What went wrong, naming the segment and the failed call.</param>
    /// <param name="errorNumber">The <c>errno</c> that caused it, if a system call failed.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SharedSegmentException(string segmentName, string message, int? errorNumber = null, System.Exception? innerException = null)
        : base(message, innerException)
    {
        SegmentName = segmentName;
        ErrorNumber = errorNumber;
        if (errorNumber is int errno)
        {
            HResult = errno;
        }
    }

    /// <summary>The POSIX name of the segment, without the leading '/'.</summary>
    public string SegmentName { get; }

    /// <summary>The <c>errno</c> of the failed system call, or <see langword="null"/> when no system call failed.</summary>
    public int? ErrorNumber { get; }
}
