using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using TelemetryHosting.Generators;

namespace TelemetryHosting.Generators.Tests.TestSupport;

/// <summary>Runs the generator on source text, offline: the references are the assemblies this test process runs on.</summary>
internal static class GeneratorHarness
{
    /// <summary>The folder the generator's sources appear under in a test of the Roslyn testing framework.</summary>
    public const string GeneratedFolder = "TelemetryHosting.Generators/TelemetryHosting.Generators.TelemetryEventGenerator";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var name
                && (name.StartsWith("System.", StringComparison.Ordinal) || name is "System.dll" or "netstandard.dll" or "mscorlib.dll"
                    || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)))
            .Append(typeof(ITelemetryRecorder).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)),
    ]);

    /// <summary>A test of the Roslyn testing framework with the offline references and nullable reference types enabled.</summary>
    public static CSharpSourceGeneratorTest<TelemetryEventGenerator, DefaultVerifier> CreateTest(string source)
    {
        var test = new CSharpSourceGeneratorTest<TelemetryEventGenerator, DefaultVerifier>
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var compilationOptions = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
            return solution.WithProjectCompilationOptions(projectId, compilationOptions);
        });
        test.TestState.AdditionalReferences.AddRange(References.Value);
        test.TestState.Sources.Add(source);
        return test;
    }

    /// <summary>An analyzer test of the Roslyn testing framework with the offline references.</summary>
    public static CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> CreateAnalyzerTest<TAnalyzer>(string source)
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var compilationOptions = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
            return solution.WithProjectCompilationOptions(projectId, compilationOptions);
        });
        test.TestState.AdditionalReferences.AddRange(References.Value);
        test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(Testing.FakeTelemetryRecorder).Assembly.Location));
        test.TestState.Sources.Add(source);
        return test;
    }

    /// <summary>
    /// A code fix test of the Roslyn testing framework with the offline references, for a diagnostic the generator
    /// reports (as the IDE offers fixes for generator diagnostics): the generator runs on the source, no analyzer does.
    /// </summary>
    public static CSharpCodeFixTest<Microsoft.CodeAnalysis.Testing.EmptyDiagnosticAnalyzer, TCodeFix, DefaultVerifier> CreateGeneratorCodeFixTest<TCodeFix>(string source, string fixedSource)
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        return WithOfflineSetup(new GeneratorCodeFixTest<TCodeFix>(), source, fixedSource);
    }

    /// <summary>
    /// A code fix test of the Roslyn testing framework with the offline references, for TH0002 as TelemetryEventAnalyzer
    /// reports it when analyzers run (the properties of TelemetryHosting.targets, RunAnalyzers unset): the generator runs
    /// too and leaves TH0002 to the analyzer.
    /// </summary>
    public static CSharpCodeFixTest<TelemetryEventAnalyzer, TCodeFix, DefaultVerifier> CreateAnalyzerCodeFixTest<TCodeFix>(string source, string fixedSource)
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        var test = WithOfflineSetup(new AnalyzerCodeFixTest<TCodeFix>(), source, fixedSource);
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", AnalyzersRunGlobalConfig));
        test.FixedState.AnalyzerConfigFiles.Add(("/.globalconfig", AnalyzersRunGlobalConfig));
        return test;
    }

    /// <summary>
    /// What every code fix test here shares: the source and its fixed form, the offline references on both sides,
    /// nullable enabled, and no check of the generated sources (the generator's output is not the fix's concern).
    /// </summary>
    private static TTest WithOfflineSetup<TTest>(TTest test, string source, string fixedSource)
        where TTest : CodeFixTest<DefaultVerifier>
    {
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var compilationOptions = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
            return solution.WithProjectCompilationOptions(projectId, compilationOptions);
        });
        test.TestState.AdditionalReferences.AddRange(References.Value);
        test.FixedState.AdditionalReferences.AddRange(References.Value);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test;
    }

    /// <summary>The build properties TelemetryHosting.targets makes visible, as a build without RunAnalyzers set has them.</summary>
    public static Dictionary<string, string> AnalyzersRun() => new()
    {
        ["build_property.RunAnalyzers"] = string.Empty,
        ["build_property.RunAnalyzersDuringBuild"] = string.Empty,
        ["build_property.IsImplicitlyTriggeredBuild"] = string.Empty,
    };

    private const string AnalyzersRunGlobalConfig = "is_global = true\nbuild_property.RunAnalyzers = \nbuild_property.RunAnalyzersDuringBuild = \nbuild_property.IsImplicitlyTriggeredBuild = \n";

    /// <summary>Runs the generator directly: the generated sources by hint name, and every diagnostic of the result.</summary>
    /// <param name="source">The source of the one file.</param>
    /// <param name="catalogue">Whether the catalogue is turned on.</param>
    /// <param name="suppressed">Diagnostic ids turned off, as a .globalconfig does with <c>severity = none</c>.</param>
    public static (IReadOnlyDictionary<string, string> Sources, ImmutableArray<Diagnostic> Diagnostics) Run(string source, bool catalogue = false, params string[] suppressed)
    {
        var (sources, diagnostics, _, _) = RunGenerator(source, catalogue, suppressed);
        return (sources, diagnostics);
    }

    /// <summary>Runs the generator directly with the given build properties (build_property.* keys).</summary>
    public static (IReadOnlyDictionary<string, string> Sources, ImmutableArray<Diagnostic> Diagnostics) Run(string source, Dictionary<string, string> properties)
    {
        var (sources, diagnostics, _, _) = RunGenerator(source, catalogue: false, properties: properties);
        return (sources, diagnostics);
    }

    private static (IReadOnlyDictionary<string, string> Sources, ImmutableArray<Diagnostic> Diagnostics, Compilation Output, Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider Options) RunGenerator(string source, bool catalogue, string[]? suppressed = null, Dictionary<string, string>? properties = null)
    {
        var compilation = CSharpCompilation.Create(
            "Generated",
            [CSharpSyntaxTree.ParseText(source, CSharpParseOptions.Default, path: "/0/Test0.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions((suppressed ?? []).Select(id => KeyValuePair.Create(id, ReportDiagnostic.Suppress))));
        properties = new Dictionary<string, string>(properties ?? [], StringComparer.Ordinal);
        if (catalogue)
        {
            properties["build_property.TelemetryEventCatalog"] = "true";
        }

        var options = new BuildProperties(properties);
        var driver = CSharpGeneratorDriver.Create([new TelemetryEventGenerator().AsSourceGenerator()], optionsProvider: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var sources = driver.GetRunResult().GeneratedTrees.ToDictionary(tree => Path.GetFileName(tree.FilePath), tree => tree.GetText().ToString());
        return (sources, generatorDiagnostics.AddRange(output.GetDiagnostics()), output, options);
    }

    /// <summary>Compiles a source and a (generated, perhaps altered) source into an assembly loaded in this process.</summary>
    public static System.Reflection.Assembly CompileToAssembly(string source, string generated)
    {
        var compilation = CSharpCompilation.Create(
            "Generated" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, CSharpParseOptions.Default, path: "/0/Test0.cs"), CSharpSyntaxTree.ParseText(generated, CSharpParseOptions.Default, path: "/0/Generated.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return System.Reflection.Assembly.Load(stream.ToArray());
    }

    /// <summary>
    /// What <c>dotnet build</c> reports, in its order: the generator runs, then the compilation's diagnostics, then (only
    /// when those have no error, as the command-line compiler does) the analyzers on the compilation with the generated sources.
    /// </summary>
    /// <param name="source">The source of the one file.</param>
    /// <param name="properties">The build properties (build_property.* keys); <see cref="AnalyzersRun"/> for a project that imports TelemetryHosting.targets.</param>
    public static async Task<ImmutableArray<Diagnostic>> BuildAsync(string source, Dictionary<string, string>? properties = null)
    {
        var (_, diagnostics, output, options) = RunGenerator(source, catalogue: false, properties: properties);
        if (diagnostics.Any(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error))
        {
            return diagnostics;
        }

        var analyzers = Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzerExtensions.WithAnalyzers(
            output,
            [new TelemetryEventAnalyzer(), new RecordCallAnalyzer()],
            new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions([], options));
        return diagnostics.AddRange(await analyzers.GetAnalyzerDiagnosticsAsync().ConfigureAwait(false));
    }

    /// <summary>The snapshot file of a test, in the output folder; with UPDATE_SNAPSHOTS=1 the source folder's is rewritten too.</summary>
    public static string Snapshot(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            var folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
            File.WriteAllText(Path.Combine(folder, name), actual);
            return actual;
        }

        var path = Path.Combine(AppContext.BaseDirectory, "Snapshots", name);
        return File.Exists(path) ? File.ReadAllText(path) : $"(no snapshot {name}: run the tests with UPDATE_SNAPSHOTS=1)";
    }

    /// <summary>A code fix test whose project runs the generator, so that the fix sees the generator's diagnostics.</summary>
    private sealed class GeneratorCodeFixTest<TCodeFix> : CSharpCodeFixTest<Microsoft.CodeAnalysis.Testing.EmptyDiagnosticAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(TelemetryEventGenerator)];
    }

    /// <summary>A code fix test of TelemetryEventAnalyzer whose project runs the generator too, as a build does.</summary>
    private sealed class AnalyzerCodeFixTest<TCodeFix> : CSharpCodeFixTest<TelemetryEventAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(TelemetryEventGenerator)];
    }

    /// <summary>MSBuild properties as the compiler passes them to generators (build_property.*).</summary>
    private sealed class BuildProperties(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);

        private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
