using ShmGen.Native;
using ShmGen.Runtime.Files;

namespace ShmGen.Runtime;

/// <summary>
/// Removing a dead creator's leftover so OpenOrCreate can create afresh. Only under the file's exclusive flock (which
/// proves no process maps it), and only while the name still names the very file that was judged stale.
/// </summary>
internal static class StaleSegments
{
    public static void Reclaim(string name, FileId judged)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = ShmFile.OpenExisting(name, readOnly: false);
        }
        catch (SharedSegmentException)
        {
            return;
        }
        catch (System.UnauthorizedAccessException)
        {
            return;
        }

        using (file)
        {
            // Exclusive: a second reclaimer waits here, then sees the name point elsewhere and leaves it alone.
            if (!ShmFile.Flock(file, LibC.LOCK_EX | LibC.LOCK_NB))
            {
                return;
            }

            if (FileId.Of(ShmFile.Stat(file, name)) == judged)
            {
                ShmFile.UnlinkIfSame(name, judged);
            }
        }
    }
}
