using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TelemetryHosting.TestSupport;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c>, or <c>CHROMIUM_PATH</c>) driven over the DevTools protocol on a
/// WebSocket: navigate, evaluate script, click with the mouse, type, wait for a condition, receive downloads. No browser
/// download and no package: the protocol is JSON over a socket. Every wait is bounded by <see cref="WaitLimit"/>.
/// Shared by the test projects that drive a page (linked from tests/Shared).
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>The bound of every wait: a condition in the page, a DevTools answer or event, Chromium's start and stop.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonNode>> _pending = [];
    private readonly List<JsonNode> _events = [];
    private readonly HashSet<string> _downloadsReturned = [];
    private readonly Lock _lock = new();
    private readonly StringBuilder _stderr = new();
    private TaskCompletionSource _eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reader;
    private int _nextId;
    private string? _sessionId;

    private HeadlessChromium(Process process, DirectoryInfo profile)
    {
        _process = process;
        _profile = profile;
        DownloadDirectory = profile.CreateSubdirectory("downloads").FullName;
    }

    /// <summary>Gets where downloads are saved.</summary>
    public string DownloadDirectory { get; }

    public static async Task<HeadlessChromium> StartAsync()
    {
        var executable = FindChromium();
        var profile = Directory.CreateTempSubdirectory("devgateway-chromium-");
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--window-size=1400,900",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile.FullName, "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
        }
        catch
        {
            DeleteProfile(profile);
            throw;
        }

        var browser = new HeadlessChromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="page"/> and waits until it has loaded and <paramref name="readyCondition"/> (script) is truthy.</summary>
    public async Task OpenAsync(Uri page, string readyCondition = "true")
    {
        await NavigateAsync(page);
        await WaitForAsync($"document.readyState === 'complete' && document.URL === {JsonSerializer.Serialize(page.ToString())} && ({readyCondition})");
    }

    /// <summary>Starts navigating to <paramref name="page"/> and returns at once, without waiting for it to load: the page being left closes as a person leaving it would close it.</summary>
    public Task NavigateAsync(Uri page) => SendAsync("Page.navigate", new JsonObject { ["url"] = page.ToString() });

    /// <summary>Evaluates an expression in the page (promises awaited) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new Xunit.Sdk.XunitException("Script failed: " + (exception["exception"]?["description"] ?? exception["text"]) + "\nin: " + expression);
        }

        return result["result"]?["value"];
    }

    public async Task<T> EvaluateAsync<T>(string expression) => (await EvaluateAsync(expression))!.GetValue<T>();

    /// <summary>Waits until a script condition is truthy, checking in the page on each timer tick; fails with the condition after the limit.</summary>
    public Task<JsonNode?> WaitForAsync(string condition) => EvaluateAsync($$"""
        new Promise((resolve, reject) => {
          const end = Date.now() + {{(int)WaitLimit.TotalMilliseconds}};
          const check = () => {
            let value;
            try { value = ({{condition}}); } catch (e) { value = undefined; }
            if (value) resolve(value);
            else if (Date.now() > end) reject(new Error("timed out waiting for: " + {{JsonSerializer.Serialize(condition)}}));
            else setTimeout(check, 20);
          };
          check();
        })
        """);

    /// <summary>Clicks the middle of the first element matching <paramref name="selector"/> with the mouse, as a person would.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync($"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
            ?? throw new Xunit.Sdk.XunitException("No element " + selector);
        foreach (var type in (string[])["mousePressed", "mouseReleased"])
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = box[0]!.GetValue<double>(), ["y"] = box[1]!.GetValue<double>(), ["button"] = "left", ["clickCount"] = 1,
            });
        }
    }

    /// <summary>Focuses the element and types <paramref name="text"/> into it (an input event, like a keyboard).</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await EvaluateAsync($"document.querySelector({JsonSerializer.Serialize(selector)}).focus()");
        await SendAsync("Input.insertText", new JsonObject { ["text"] = text });
    }

    /// <summary>Chooses an option of a select element the way its change reaches the page: value set, input event fired.</summary>
    public Task SelectAsync(string selector, string value) => EvaluateAsync(
        $"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.value = {JsonSerializer.Serialize(value)}; if (e.value !== {JsonSerializer.Serialize(value)}) throw new Error('no option ' + {JsonSerializer.Serialize(value)}); e.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()");

    /// <summary>
    /// Waits for the next download this method has not returned yet (the oldest such one, so a download that began before
    /// the call counts) to complete; returns where it was saved (named by its DevTools guid) and the name the page suggested.
    /// </summary>
    public async Task<(string Path, string SuggestedFileName)> WaitForDownloadAsync()
    {
        var begun = await WaitForEventAsync("Browser.downloadWillBegin", e => !_downloadsReturned.Contains(Guid(e)));
        var guid = Guid(begun);
        _downloadsReturned.Add(guid);
        var done = await WaitForEventAsync("Browser.downloadProgress", e => Guid(e) == guid && e["params"]!["state"]!.GetValue<string>() != "inProgress");
        if (done["params"]!["state"]!.GetValue<string>() != "completed")
        {
            throw new Xunit.Sdk.XunitException("The download was not completed: " + done.ToJsonString());
        }

        return (Path.Combine(DownloadDirectory, guid), begun["params"]!["suggestedFilename"]!.GetValue<string>());

        static string Guid(JsonNode e) => e["params"]!["guid"]!.GetValue<string>();
    }

    public async Task<byte[]> ScreenshotAsync() =>
        Convert.FromBase64String((await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }))["data"]!.GetValue<string>());

    /// <summary>Stops Chromium and deletes its profile; never throws, so that a failing test's own error is the one reported.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Abort();
            _socket.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(WaitLimit);
            await _process.WaitForExitAsync(cts.Token);
            if (_reader is not null)
            {
                await _reader.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync($"Chromium (process {_process.Id}) did not stop: {e.Message}");
        }
        finally
        {
            _process.Dispose();
            DeleteProfile(_profile);
        }
    }

    private async Task ConnectAsync()
    {
        _ = _process.StandardOutput.ReadToEndAsync();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            // Drained to the end, so that Chromium never blocks on a full pipe; the address line is picked out on the way.
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderr) { _stderr.AppendLine(line); }
                const string Prefix = "DevTools listening on ";
                if (line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    listening.TrySetResult(new Uri(line[Prefix.Length..].Trim()));
                }
            }

            listening.TrySetException(new Xunit.Sdk.XunitException("Chromium exited before listening. stderr: " + _stderr));
        });

        using var cts = new CancellationTokenSource(WaitLimit);
        await _socket.ConnectAsync(await listening.Task.WaitAsync(WaitLimit), cts.Token);
        _reader = Task.Run(ReadAsync);

        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, browserLevel: true);
        _sessionId = attached["sessionId"]!.GetValue<string>();
        await SendAsync("Browser.setDownloadBehavior", new JsonObject { ["behavior"] = "allowAndName", ["downloadPath"] = DownloadDirectory, ["eventsEnabled"] = true }, browserLevel: true);
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters, bool browserLevel = false)
    {
        var completion = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        var message = new JsonObject { ["method"] = method, ["params"] = parameters };
        lock (_lock)
        {
            var id = ++_nextId;
            message["id"] = id;
            _pending[id] = completion;
        }

        if (!browserLevel)
        {
            message["sessionId"] = _sessionId;
        }

        using var cts = new CancellationTokenSource(WaitLimit);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cts.Token);
        var answer = await completion.Task.WaitAsync(WaitLimit + TimeSpan.FromSeconds(5));
        return answer["error"] is { } error
            ? throw new Xunit.Sdk.XunitException($"{method} failed: {error.ToJsonString()}")
            : answer["result"]!;
    }

    private async Task<JsonNode> WaitForEventAsync(string method, Func<JsonNode, bool> predicate)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_events.FirstOrDefault(e => e["method"]?.GetValue<string>() == method && predicate(e)) is { } found)
                {
                    return found;
                }

                arrived = _eventArrived.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException("Timed out waiting for the DevTools event " + method);
            }

            await Task.WhenAny(arrived, Task.Delay(left));
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (_socket.State == WebSocketState.Open)
        {
            var received = await _socket.ReceiveAsync(buffer, CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray())!;
            message.SetLength(0);
            lock (_lock)
            {
                if (node["id"] is { } id && _pending.Remove(id.GetValue<int>(), out var completion))
                {
                    completion.TrySetResult(node);
                }
                else if (node["method"] is not null)
                {
                    _events.Add(node);
                    _eventArrived.TrySetResult();
                    _eventArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    private static void DeleteProfile(DirectoryInfo profile)
    {
        try
        {
            profile.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"The Chromium profile {profile.FullName} was not deleted: {e.Message}");
        }
    }

    private static string FindChromium()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, "chromium"));
            candidates.Add(Path.Combine(directory, "chromium-browser"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("Chromium is not installed, and the events page tests need a real browser: run `apt-get install -y chromium` (or set CHROMIUM_PATH).");
    }
}
