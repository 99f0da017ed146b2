using System.Diagnostics;

namespace MySqlHa.Tests.Sandbox;

/// <summary>A CA of the test's own, made with openssl in a temporary folder, and certificates it signs for 127.0.0.1.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mysqlha-certificates-").FullName;

    public TestCertificates() =>
        Openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mysqlha-test-ca", "-keyout", Path.Combine(_folder, "ca.key"),
            "-out", CaFile);

    public string CaFile => Path.Combine(_folder, "ca.crt");

    /// <summary>A certificate and key (PEM files) for a server on 127.0.0.1, signed by this CA.</summary>
    public (string Certificate, string Key) ServerCertificate(string name)
    {
        var (certificate, key, request, extensions) = (Path.Combine(_folder, $"{name}.crt"), Path.Combine(_folder, $"{name}.key"),
            Path.Combine(_folder, $"{name}.csr"), Path.Combine(_folder, $"{name}.ext"));
        Openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={name}", "-keyout", key, "-out", request);
        File.WriteAllText(extensions, "subjectAltName=IP:127.0.0.1\n");
        Openssl("x509", "-req", "-days", "1", "-in", request, "-CA", CaFile, "-CAkey", Path.Combine(_folder, "ca.key"), "-CAcreateserial",
            "-extfile", extensions, "-out", certificate);
        return (certificate, key);
    }

    /// <summary>The folder of the certificates, for other files of the test (a token) that go when they go.</summary>
    public string Folder => _folder;

    private static void Openssl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"openssl {arguments[0]} failed: {error.Result}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
