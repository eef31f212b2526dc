using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ShmGen.Package.Tests;

/// <summary>What the Roslyn component assemblies of a package folder declare: generators, diagnostic IDs and their help links.</summary>
internal sealed record RoslynComponents(IReadOnlyList<string> Generators, IReadOnlySet<string> DiagnosticIds, IReadOnlySet<string> HelpLinks)
{
    /// <summary>
    /// Loads every dll of <paramref name="directory"/> in a throwaway load context, the way a compiler would, and asks
    /// each <c>[DiagnosticAnalyzer]</c> for its SupportedDiagnostics. Microsoft.CodeAnalysis itself comes from this
    /// test's own context, so the types are the ones the analyzers were compiled against.
    /// </summary>
    public static RoslynComponents Load(string directory)
    {
        var context = new ComponentLoadContext(directory);
        try
        {
            var generators = new List<string>();
            var ids = new SortedSet<string>(StringComparer.Ordinal);
            var links = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var path in Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
            {
                foreach (var type in LoadableTypes(context.LoadFromAssemblyPath(path)))
                {
                    if (type.IsAbstract)
                    {
                        continue;
                    }

                    if (type.GetCustomAttribute<GeneratorAttribute>() is not null && typeof(IIncrementalGenerator).IsAssignableFrom(type))
                    {
                        generators.Add(type.FullName!);
                    }

                    if (type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
                    {
                        var analyzer = (DiagnosticAnalyzer)Activator.CreateInstance(type)!;
                        ids.UnionWith(analyzer.SupportedDiagnostics.Select(d => d.Id));
                        links.UnionWith(analyzer.SupportedDiagnostics.Select(d => d.HelpLinkUri));
                    }
                }
            }

            return new RoslynComponents(generators, ids, links);
        }
        finally
        {
            context.Unload();
        }
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException partial)
        {
            // The code fixes need Workspaces, which this test does not load; their analyzers' types still load.
            return partial.Types.OfType<Type>();
        }
    }

    private sealed class ComponentLoadContext(string directory) : AssemblyLoadContext(isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var candidate = Path.Combine(directory, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
