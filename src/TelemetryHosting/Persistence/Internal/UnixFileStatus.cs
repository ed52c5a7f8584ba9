using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// What <c>lstat</c> says of a path (a link is not followed) or of an open file, on Linux: its type, permissions, owner,
/// device and inode. .NET has no API for the owner, the type of a non-regular file or the inode: <c>statx(2)</c>
/// (glibc 2.28, musl 1.2.5 or later) has the same buffer layout on every architecture, unlike <c>struct stat</c>.
/// </summary>
internal readonly record struct UnixFileStatus(int Type, UnixFileMode Mode, uint Owner, ulong Device, ulong Inode)
{
    public const int RegularFile = 0x8000;
    public const int Directory = 0x4000;
    public const int SymbolicLink = 0xA000;

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;
    private const uint StatxIno = 0x100;
    private const uint Wanted = StatxType | StatxMode | StatxUid | StatxIno;
    private const int Enoent = 2;
    private const int Eperm = 1;
    private const int Enotdir = 20;
    private const int Enosys = 38;

    /// <summary>Gets the effective user id of this process, or <see langword="null"/> when not on Linux.</summary>
    public static uint? CurrentUser => OperatingSystem.IsLinux() ? geteuid() : null;

    /// <summary>Gets a short name of the file's type, for messages.</summary>
    public string TypeName => Type switch
    {
        RegularFile => "a regular file",
        Directory => "a directory",
        SymbolicLink => "a symbolic link",
        0x1000 => "a FIFO",
        0xC000 => "a socket",
        0x2000 => "a character device",
        0x6000 => "a block device",
        _ => $"of type 0x{Type:X}",
    };

    /// <summary>
    /// The status of <paramref name="path"/> itself (a link is not followed), or <see langword="null"/> when not on Linux
    /// or <c>statx</c> is refused here (older container seccomp profiles).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">It could not be read; the message has the error number.</exception>
    public static UnixFileStatus? Of(string path) =>
        OperatingSystem.IsLinux() ? Read(AtCurrentDirectory, Encoding.UTF8.GetBytes(path + "\0"), AtSymlinkNoFollow, path) : null;

    /// <summary>The status of the open file <paramref name="handle"/>, or <see langword="null"/> as for <see cref="Of(string)"/>.</summary>
    public static UnixFileStatus? Of(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Read((int)handle.DangerousGetHandle(), [0], AtEmptyPath, path);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static UnixFileStatus? Read(int directory, byte[] path, int flags, string name)
    {
        var buffer = new byte[256];
        int result;
        try
        {
            result = statx(directory, path, flags, Wanted, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        if (result != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                Eperm or Enosys => null,
                Enoent or Enotdir => throw new FileNotFoundException($"'{name}' does not exist.", name),
                _ => throw new IOException($"The status of '{name}' could not be read (errno {error})."),
            };
        }

        // In the machine's byte order; stx_mask (at the start) says which fields the kernel filled. The device is always
        // filled (stx_dev_major, stx_dev_minor).
        var span = buffer.AsSpan();
        if ((MemoryMarshal.Read<uint>(span) & Wanted) != Wanted)
        {
            return null;
        }

        var mode = MemoryMarshal.Read<ushort>(span[28..]);
        var device = ((ulong)MemoryMarshal.Read<uint>(span[136..]) << 32) | MemoryMarshal.Read<uint>(span[140..]);
        return new UnixFileStatus(mode & 0xF000, (UnixFileMode)(mode & 0xFFF), MemoryMarshal.Read<uint>(span[20..]), device, MemoryMarshal.Read<ulong>(span[32..]));
    }

#pragma warning disable SA1300, IDE1006 // The C library's names.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int directory, byte[] path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SA1300, IDE1006
}
