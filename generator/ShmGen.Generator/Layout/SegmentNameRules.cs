// One definition of a valid segment name, compiled into the runtime (ArgumentException before any system call), the
// generator (skips invalid names) and the analyzers (SHM006), so the three can never disagree.
namespace ShmGen.Layout;

/// <summary>The rules a POSIX shared-memory name must satisfy to be portable and safe as a file name in /dev/shm.</summary>
internal static class SegmentNameRules
{
    /// <summary>The longest name accepted: NAME_MAX (255) less room for a ".lock" suffix.</summary>
    public const int MaxLength = 250;

    /// <summary>The longest Raw-format name: its lock semaphore's file is "sem.NAME.lock", 9 characters longer, and
    /// must fit NAME_MAX (255) too.</summary>
    public const int RawMaxLength = 255 - 9;

    /// <summary>macOS limits POSIX shared-memory names to 31 characters (PSHMNAMLEN); longer names are not portable.</summary>
    public const int PortableMaxLength = 31;

    /// <summary>Why <paramref name="name"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    /// <param name="name">The name without its leading '/'.</param>
    /// <param name="raw">The name of a Raw-format segment, whose lock semaphore's file name must fit as well.</param>
    public static string? GetError(string? name, bool raw = false)
    {
        if (name is null || name.Length == 0)
        {
            return "the name is empty";
        }

        if (name == "." || name == "..")
        {
            return $"'{name}' names a directory";
        }

        if (name.Length > MaxLength)
        {
            return $"the name is {name.Length} characters long; at most {MaxLength} are allowed";
        }

        if (raw && name.Length > RawMaxLength)
        {
            return $"the name is {name.Length} characters long; a Raw-format segment allows at most {RawMaxLength}, " +
                "since its lock semaphore's file /dev/shm/sem.NAME.lock must fit the 255-character file name limit";
        }

        foreach (var c in name)
        {
            if (!IsAllowed(c))
            {
                return c switch
                {
                    '/' => "'/' is not allowed (give the name without the leading '/')",
                    '\0' => "'\\0' is not allowed",
                    _ => $"'{c}' is not allowed (use A-Z, a-z, 0-9, '.', '_' and '-')",
                };
            }
        }

        return null;
    }

    /// <summary>Whether a valid name is longer than other systems accept (a warning, not an error).</summary>
    public static bool IsLongerThanPortable(string name) => name.Length > PortableMaxLength;

    private static bool IsAllowed(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
