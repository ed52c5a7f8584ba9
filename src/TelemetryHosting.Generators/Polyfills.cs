// netstandard2.0 lacks what the linked EventNameValidator and the records of this project use.
namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 code declare records and init-only properties.</summary>
    internal static class IsExternalInit
    {
    }
}

// In the validator's namespace, so that its char.IsAsciiLetter calls find these without a using.
namespace TelemetryHosting.Shared
{
    /// <summary>The ASCII helpers of <see cref="char"/> that .NET 7 added, for the linked EventNameValidator.</summary>
    internal static class CharPolyfills
    {
        extension(char)
        {
            public static bool IsAsciiLetterLower(char c) => c is >= 'a' and <= 'z';

            public static bool IsAsciiLetter(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
        }
    }
}
