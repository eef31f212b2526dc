using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace ShmGen.Runtime.Files;

/// <summary>
/// <see cref="SegmentOptions.UnlinkOnExit"/>: the segments this process created with it, unlinked on
/// <see cref="AppDomain.ProcessExit"/> (a normal exit, and SIGTERM, which the runtime turns into one) and from
/// <see cref="PosixSignalRegistration"/> handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT. The handlers never set
/// <see cref="PosixSignalContext.Cancel"/>, so after them the runtime's default handling terminates the process exactly
/// as it would have without ShmGen. Each removal goes through <see cref="SegmentMapping.Unlink"/>, which removes the
/// name only while it still names the file this process created: a newer segment under the same name survives.
/// SIGKILL runs nothing; <c>shmgen gc</c> reclaims what it leaves.
/// </summary>
internal static class ExitUnlink
{
    private static readonly object s_gate = new();
    private static readonly HashSet<SegmentMapping> s_created = new(ReferenceEqualityComparer.Instance);
    private static PosixSignalRegistration[]? s_registrations;

    /// <summary>Unlinks <paramref name="mapping"/>'s segment when the process exits (it must be this process's creation).</summary>
    public static void Register(SegmentMapping mapping)
    {
        lock (s_gate)
        {
            if (s_registrations is null)
            {
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => UnlinkAll();
                s_registrations =
                [
                    PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                    PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                    PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
                    PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
                ];
            }

            s_created.Add(mapping);
        }
    }

    /// <summary>Drops <paramref name="mapping"/> (it was unlinked explicitly), so a long-lived process does not collect them.</summary>
    public static void Forget(SegmentMapping mapping)
    {
        lock (s_gate)
        {
            s_created.Remove(mapping);
        }
    }

    // Cancel stays false: the runtime then proceeds with the signal's default (SIGTERM: ProcessExit and exit code 143;
    // SIGINT, SIGHUP, SIGQUIT: the default action, re-raised).
    private static void OnSignal(PosixSignalContext context) => UnlinkAll();

    private static void UnlinkAll()
    {
        SegmentMapping[] created;
        lock (s_gate)
        {
            created = [.. s_created];
            s_created.Clear();
        }

        foreach (var mapping in created)
        {
            try
            {
                mapping.Unlink();
            }
            catch (SharedSegmentException)
            {
                // Exiting anyway: one name we could not stat or remove must not keep the others.
            }
        }
    }
}
