namespace ShmGen.Analyzers;

/// <summary>The diagnostic IDs of DESIGN §5.</summary>
internal static class DiagnosticIds
{
    public const string NotUnmanagedStruct = "SHM001";
    public const string ProcessLocalAddress = "SHM002";
    public const string AutoLayout = "SHM003";
    public const string NonPortableType = "SHM004";
    public const string NotPartial = "SHM005";
    public const string InvalidName = "SHM006";
    public const string DuplicateName = "SHM007";
    public const string Misaligned = "SHM008";
    public const string InvalidCapacity = "SHM009";
    public const string GuardNameClash = "SHM010";
    public const string MissingUnlink = "SHM101";
    public const string NotDisposed = "SHM102";
    public const string WriteOutsideLock = "SHM201";
    public const string GuardNotDisposed = "SHM202";
    public const string GuardRefEscapes = "SHM203";
    public const string UseAfterDispose = "SHM204";
    public const string WaitOutsideLoop = "SHM205";
    public const string WideMode = "SHM301";
}
