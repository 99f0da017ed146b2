using System.Diagnostics;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Coordination;

/// <summary>
/// An etcd of the test's own on loopback, serving TLS with a certificate from a CA the test makes with openssl, and
/// with etcd's authentication on (user root, a random password). It can be restarted, which forgets every token.
/// </summary>
public sealed class SecureEtcd : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly (string Certificate, string Key) _server;
    private readonly string _folder = Directory.CreateTempSubdirectory("mysqlha-secure-etcd-").FullName;
    private readonly int _peerPort = ServiceProcess.FreePort();
    private Process? _etcd;

    private SecureEtcd()
    {
        Endpoint = $"https://127.0.0.1:{ServiceProcess.FreePort()}";
        _server = _certificates.ServerCertificate("etcd");
    }

    public string Endpoint { get; }

    public string CaFile => _certificates.CaFile;

    public string PasswordFile => Path.Combine(_folder, "root.password");

    /// <summary>Settings that reach this etcd as root, with its CA.</summary>
    public EtcdOptions Options(string prefix) => new()
    {
        Endpoint = Endpoint, Prefix = prefix, CaFile = CaFile, Username = "root", PasswordFile = PasswordFile,
    };

    public static async Task<SecureEtcd> StartAsync()
    {
        var etcd = new SecureEtcd();
        await File.WriteAllTextAsync(etcd.PasswordFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)) + "\n");
        await etcd.StartServerAsync();
        var password = (await File.ReadAllTextAsync(etcd.PasswordFile)).Trim();
        etcd.Control("user", "add", $"root:{password}");
        etcd.Control("auth", "enable");
        return etcd;
    }

    public async Task RestartAsync()
    {
        Stop();
        await StartServerAsync();
    }

    private async Task StartServerAsync()
    {
        var start = new ProcessStartInfo("etcd",
        [
            "--name", "secure", "--data-dir", Path.Combine(_folder, "data"),
            "--listen-client-urls", Endpoint, "--advertise-client-urls", Endpoint,
            "--cert-file", _server.Certificate, "--key-file", _server.Key,
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-cluster", $"secure=http://127.0.0.1:{_peerPort}",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _etcd = Process.Start(start)!;
        _etcd.OutputDataReceived += (_, _) => { };
        _etcd.ErrorDataReceived += (_, _) => { };
        _etcd.BeginOutputReadLine();
        _etcd.BeginErrorReadLine();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            if (TryControl("endpoint", "health")) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the TLS etcd on {Endpoint} did not start");
        }
    }

    private void Control(params string[] arguments)
    {
        if (!TryControl(arguments)) throw new InvalidOperationException($"etcdctl {string.Join(' ', arguments)} failed");
    }

    private bool TryControl(params string[] arguments)
    {
        var password = File.Exists(PasswordFile) ? File.ReadAllText(PasswordFile).Trim() : "";
        string[] common = ["--endpoints", Endpoint, "--cacert", CaFile, "--user", $"root:{password}", "--command-timeout", "3s"];
        var start = new ProcessStartInfo("etcdctl", [.. common, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ETCDCTL_API"] = "3";
        using var process = Process.Start(start)!;
        process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private void Stop()
    {
        if (_etcd is null) return;
        if (!_etcd.HasExited) _etcd.Kill(entireProcessTree: true);
        _etcd.WaitForExit();
        _etcd.Dispose();
        _etcd = null;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_folder, recursive: true);
        _certificates.Dispose();
    }
}
