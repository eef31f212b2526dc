// One definition of a valid segment name, compiled into the runtime (ArgumentException before any system call), the
// generator (skips invalid names) and the analyzers (SHM006), so the three can never disagree.
namespace ShmGen.Layout;

/// <summary>The rules a POSIX shared-memory name must satisfy to be portable and safe as a file name in /dev/shm.</summary>
internal static class SegmentNameRules
{
    /// <summary>The longest name accepted: NAME_MAX (255) less room for the ".lock" suffix of the Raw format's semaphore.</summary>
    public const int MaxLength = 250;

    /// <summary>macOS limits POSIX shared-memory names to 31 characters (PSHMNAMLEN); longer names are not portable.</summary>
    public const int PortableMaxLength = 31;

    /// <summary>Why <paramref name="name"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    public static string? GetError(string? name)
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
