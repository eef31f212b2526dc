namespace ShmGen;

/// <summary>How a segment's bytes are laid out in <c>/dev/shm</c>.</summary>
public enum SegmentFormat
{
    /// <summary>
    /// A ShmGen header (magic, version, layout fingerprint, sizes, initialization state, robust lock) followed by the
    /// payload at a page-aligned offset. Openers validate the header, so layout skew and truncation become exceptions.
    /// </summary>
    Standard = (int)Contract.PayloadFormat.Standard,

    /// <summary>
    /// The payload alone, byte for byte the C struct, for C and Python peers. There is no header to validate beyond
    /// the size; the lock is the POSIX named semaphore <c>/&lt;name&gt;.lock</c>.
    /// </summary>
    Raw = (int)Contract.PayloadFormat.Raw,
}
