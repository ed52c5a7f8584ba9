namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// A SAMS token could not be obtained. The message names the endpoint and the OAuth error, never the secret. The export
/// that needed the token fails with it and is retried later; its events stay queued.
/// </summary>
internal sealed class SamsTokenException : Exception
{
    public SamsTokenException()
    {
    }

    public SamsTokenException(string message)
        : base(message)
    {
    }

    public SamsTokenException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public SamsTokenException(SamsTokenFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public SamsTokenFailure Failure { get; }
}
