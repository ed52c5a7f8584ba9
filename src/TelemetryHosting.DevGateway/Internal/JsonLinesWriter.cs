using System.Text;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>Appends one JSON record per line to a file; each line is flushed so that a reader sees it at once.</summary>
internal sealed class JsonLinesWriter : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;

    public JsonLinesWriter(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Events carry private metadata: a new file is readable by its owner only (an existing one keeps its mode).
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    }

    public void Append(string line)
    {
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
