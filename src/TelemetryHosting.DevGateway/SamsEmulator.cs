using System.Security.Cryptography;
using TelemetryHosting.DevGateway.Internal;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// The SAMS emulator of a <see cref="DevelopmentGateway"/>: its OAuth token endpoint (<c>POST /oauth/token</c> on
/// <see cref="DevelopmentGateway.WebAddress"/>) and the token introspection the gateway uses. Thread-safe.
/// </summary>
/// <remarks>
/// Issued tokens are remembered in memory: expired ones are forgotten (checked at most once a minute, and whenever one
/// is introspected), and at most <c>10,000</c> live ones are kept; issuing one more forgets the oldest, which the
/// gateway then treats as inactive (PermissionDenied), as SAMS would a revoked token.
/// </remarks>
public sealed class SamsEmulator
{
    /// <summary>How many issued tokens are remembered at most; beyond it the oldest is forgotten.</summary>
    internal const int MaxStoredTokens = 10_000;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    // Issued tokens, oldest first in _issueOrder; both under _tokensLock.
    private readonly Lock _tokensLock = new();
    private readonly Dictionary<string, LinkedListNode<IssuedToken>> _tokens = new(StringComparer.Ordinal);
    private readonly LinkedList<IssuedToken> _issueOrder = new();
    private long _lastSweep;
    private readonly Dictionary<string, SamsClient> _clients;
    private readonly TimeProvider _timeProvider;
    private int _tokenRequestCount;
    private int _issuedTokenCount;
    private long _tokenLifetimeTicks;
    private volatile bool _acceptBasicAuth;
    private volatile bool _outage;

    internal SamsEmulator(IEnumerable<SamsClient> clients, TimeSpan tokenLifetime, bool acceptBasicAuth, bool outage, TimeProvider timeProvider)
    {
        _clients = clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);
        _tokenLifetimeTicks = tokenLifetime.Ticks;
        _acceptBasicAuth = acceptBasicAuth;
        _outage = outage;
        _timeProvider = timeProvider;
        _lastSweep = timeProvider.GetTimestamp();
    }

    /// <summary>Gets the token endpoint's address, <c>{WebAddress}oauth/token</c>.</summary>
    public Uri TokenEndpoint { get; internal set; } = new("http://127.0.0.1/oauth/token");

    /// <summary>Gets the SAMS base URL to give a client (<c>SAMS_URL</c>): the web address the token endpoint is under.</summary>
    public Uri BaseAddress => new(TokenEndpoint, "/");

    /// <summary>Gets how many requests reached the token endpoint, failed ones included.</summary>
    public int TokenRequestCount => Volatile.Read(ref _tokenRequestCount);

    /// <summary>Gets how many tokens were issued, by the endpoint or by <see cref="IssueToken"/>.</summary>
    public int IssuedTokenCount => Volatile.Read(ref _issuedTokenCount);

    /// <summary>Gets or sets how long newly issued tokens stay active.</summary>
    public TimeSpan TokenLifetime
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _tokenLifetimeTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _tokenLifetimeTicks, value.Ticks);
        }
    }

    /// <summary>Gets or sets a value indicating whether the token endpoint accepts HTTP Basic client authentication.</summary>
    public bool AcceptBasicAuth
    {
        get => _acceptBasicAuth;
        set => _acceptBasicAuth = value;
    }

    /// <summary>Gets or sets a value indicating whether the token endpoint answers 503 to every request (an outage).</summary>
    public bool Outage
    {
        get => _outage;
        set => _outage = value;
    }

    /// <summary>Issues an access token directly, without the token endpoint.</summary>
    /// <param name="clientId">The client the token is for.</param>
    /// <param name="scopes">The granted scopes; by default the gateway's <see cref="DevelopmentGatewayOptions.TelemetryWriteScope"/>.</param>
    /// <param name="lifetime">How long it stays active; by default <see cref="TokenLifetime"/>.</param>
    /// <returns>The token, <c>sams_at_...</c>.</returns>
    public string IssueToken(string clientId = DevelopmentGatewayOptions.DefaultClientId, IEnumerable<string>? scopes = null, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return Issue(clientId, [.. scopes ?? [DevelopmentGatewayOptions.TelemetryWriteScope]], lifetime ?? TokenLifetime).Token;
    }

    /// <summary>Revokes a token: from now on the gateway treats it as inactive.</summary>
    /// <param name="token">The access token.</param>
    /// <returns><see langword="true"/> when the token was known.</returns>
    public bool Revoke(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_tokensLock)
        {
            return Forget(token);
        }
    }

    /// <summary>Revokes every token issued so far.</summary>
    public void RevokeAll()
    {
        lock (_tokensLock)
        {
            _tokens.Clear();
            _issueOrder.Clear();
        }
    }

    /// <summary>Returns whether a token is known, not revoked and not expired.</summary>
    /// <param name="token">The access token.</param>
    /// <returns><see langword="true"/> when the gateway would accept it as active.</returns>
    public bool IsActive(string token) => Introspect(token) is not null;

    /// <summary>Gets how many issued tokens are remembered (issued, not revoked, not yet found expired).</summary>
    internal int StoredTokenCount
    {
        get { lock (_tokensLock) { return _tokens.Count; } }
    }

    internal bool TryGetClient(string clientId, out SamsClient client) => _clients.TryGetValue(clientId, out client!);

    internal void CountTokenRequest() => Interlocked.Increment(ref _tokenRequestCount);

    internal IssuedToken Issue(string clientId, IReadOnlyList<string> scopes, TimeSpan lifetime)
    {
        // 32 random bytes as lowercase hex: unguessable, and shaped like a SAMS access token.
        var token = "sams_at_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = _timeProvider.GetUtcNow();
        var issued = new IssuedToken(token, clientId, scopes, now + lifetime, lifetime);
        lock (_tokensLock)
        {
            if (_timeProvider.GetElapsedTime(_lastSweep) >= SweepInterval)
            {
                ForgetExpired(now);
            }

            while (_tokens.Count >= MaxStoredTokens)
            {
                Forget(_issueOrder.First!.Value.Token);
            }

            _tokens[token] = _issueOrder.AddLast(issued);
        }

        Interlocked.Increment(ref _issuedTokenCount);
        return issued;
    }

    // Introspection: the token when it is active, else null. An expired token is forgotten on the way.
    internal IssuedToken? Introspect(string token)
    {
        lock (_tokensLock)
        {
            if (!_tokens.TryGetValue(token, out var node))
            {
                return null;
            }

            if (_timeProvider.GetUtcNow() >= node.Value.ExpiresAt)
            {
                Forget(token);
                return null;
            }

            return node.Value;
        }
    }

    // Under _tokensLock. One pass over at most MaxStoredTokens tokens, at most once a minute.
    private void ForgetExpired(DateTimeOffset now)
    {
        _lastSweep = _timeProvider.GetTimestamp();
        for (var node = _issueOrder.First; node is not null;)
        {
            var next = node.Next;
            if (now >= node.Value.ExpiresAt)
            {
                _tokens.Remove(node.Value.Token);
                _issueOrder.Remove(node);
            }

            node = next;
        }
    }

    // Under _tokensLock.
    private bool Forget(string token)
    {
        if (!_tokens.Remove(token, out var node))
        {
            return false;
        }

        _issueOrder.Remove(node);
        return true;
    }
}
