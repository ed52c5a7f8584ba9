using System.Runtime.InteropServices;
using System.Text;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// The owner of a file on Linux, which .NET has no API for: <c>statx(2)</c> (glibc 2.28 or later, musl 1.2.5 or
/// later), whose buffer has the same layout on every architecture, unlike <c>struct stat</c>; and <c>geteuid(2)</c>.
/// </summary>
internal static class UnixFileOwner
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;
    private const int StatxBufferLength = 256;
    private const int StatxMaskOffset = 0;
    private const int StatxUidOffset = 20;

    /// <summary>The effective user id of this process, or <see langword="null"/> when not on Linux.</summary>
    public static uint? EffectiveUserId() => OperatingSystem.IsLinux() ? geteuid() : null;

    /// <summary>
    /// The user id owning <paramref name="path"/> itself (a link is not followed), or <see langword="null"/> when not on
    /// Linux or when the C library has no <c>statx</c>.
    /// </summary>
    /// <exception cref="IOException">The file cannot be examined.</exception>
    public static uint? OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var name = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, name);
        var buffer = new byte[StatxBufferLength];
        int result;
        try
        {
            result = statx(AtCurrentDirectory, name, AtSymlinkNoFollow, StatxUid, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        if (result != 0 && Marshal.GetLastPInvokeError() is Eperm or Enosys)
        {
            // statx refused by a sandbox (older container seccomp profiles): the owner cannot be checked here.
            return null;
        }

        if (result != 0)
        {
            throw new IOException($"The owner of '{path}' could not be read (errno {Marshal.GetLastPInvokeError()}).");
        }

        // The buffer is in the machine's byte order; stx_mask says whether the kernel filled stx_uid.
        var filled = (MemoryMarshal.Read<uint>(buffer.AsSpan(StatxMaskOffset)) & StatxUid) != 0;
        return filled ? MemoryMarshal.Read<uint>(buffer.AsSpan(StatxUidOffset)) : null;
    }

    private const int Eperm = 1;
    private const int Enosys = 38;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SA1300, IDE1006 // The C library's names.
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int directory, byte[] path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SA1300, IDE1006
}
