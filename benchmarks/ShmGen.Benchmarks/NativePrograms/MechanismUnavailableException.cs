using System;

namespace ShmGen.Benchmarks.NativePrograms;

/// <summary>
/// A mechanism this machine cannot measure because something it needs is not installed (a compiler, a peer's Debian
/// package) or cannot run (a RouDi daemon that is already someone else's). The runners print the note and skip the
/// mechanism's rows; the run does not fail.
/// </summary>
internal sealed class MechanismUnavailableException(string note) : Exception(note);
