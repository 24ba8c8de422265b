// IssueVerify.java — the Java binding as a user's program sees it: make a key pair, issue a
// code for a record, verify it as a checkpoint would. After `meson install` (-Djava enabled):
//
//   javac -cp /usr/local/share/java/healthcode.jar -d . examples/IssueVerify.java
//   java -cp /usr/local/share/java/healthcode.jar:. IssueVerify examples/record.json "$(mktemp -d)" 1580868000
//
// prints "verified: green code from CN-330000, valid until 1580954400". The jar finds the JNI
// library installed with it; no -Djava.library.path is needed.
import cn.healthcode.HealthCode;
import cn.healthcode.Issuer;
import cn.healthcode.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;

public class IssueVerify {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: IssueVerify RECORD.json KEY_DIR NOW");
            System.exit(2);
        }
        String record = Files.readString(Path.of(args[0]));
        long now = Long.parseLong(args[2]);
        String key = Path.of(args[1], "issuer.pem").toString(), pub = Path.of(args[1], "issuer.pub.pem").toString();
        HealthCode.generateKey("ES256", key, pub);               // private key written 0600
        try (Issuer issuer = new Issuer("CN-330000", key); Verifier verifier = new Verifier()) {
            String token = issuer.issue(record, now, 86400);     // assessed under the default policy
            verifier.addTrustPath(pub);
            HealthCode.Claims c = verifier.verify(token, now);   // throws TokenRejectedException
            System.out.println("verified: " + c.colour + " code from " + c.iss + ", valid until " + c.exp);
        }
    }
}
