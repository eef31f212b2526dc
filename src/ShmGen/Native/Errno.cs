namespace ShmGen.Native;

/// <summary>
/// errno values used by ShmGen (Linux; identical on x86-64 and arm64). Constants, because the error mapping switches on
/// them and Tmds.LibC exposes its errno values as properties; a test pins each one to Tmds.LibC's value.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EBADF = 9;
    public const int ESRCH = 3;
    public const int ENXIO = 6;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EWOULDBLOCK = EAGAIN;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EISDIR = 21;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EDEADLK = 35;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;
    public const int ETIMEDOUT = 110;
    public const int EDQUOT = 122;
    public const int EBADMSG = 74;
    public const int EINVAL = 22;
    public const int EOWNERDEAD = 130;
    public const int ENOTRECOVERABLE = 131;

    /// <summary>"ENOENT (No such file or directory)": the symbolic name where known, and the C library's text.</summary>
    public static string Describe(int errno)
    {
        var text = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
        var name = errno switch
        {
            EPERM => "EPERM",
            EBADF => "EBADF",
            EINVAL => "EINVAL",
            EBADMSG => "EBADMSG",
            ENOENT => "ENOENT",
            EINTR => "EINTR",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            ENXIO => "ENXIO",
            EISDIR => "EISDIR",
            ENFILE => "ENFILE",
            EMFILE => "EMFILE",
            EFBIG => "EFBIG",
            ENOSPC => "ENOSPC",
            EDEADLK => "EDEADLK",
            ENAMETOOLONG => "ENAMETOOLONG",
            ELOOP => "ELOOP",
            ETIMEDOUT => "ETIMEDOUT",
            EDQUOT => "EDQUOT",
            EOWNERDEAD => "EOWNERDEAD",
            ENOTRECOVERABLE => "ENOTRECOVERABLE",
            _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return $"{name} ({text})";
    }
}
