// Fallback readiness check for scripts/neo4j, used only when no Python with the `neo4j`
// driver is at hand; it runs on the Neo4j Java driver that the server's dependencies bring.
// scripts/neo4j compiles it once into .neo4j/lib/boltcheck, then:
//
//   NEO4J_CHECK_PASSWORD=... java -cp '.neo4j/lib/boltcheck:.neo4j/lib/*' BoltCheck \
//       wait URI USER TIMEOUT_SECONDS PID
//   NEO4J_CHECK_PASSWORD=... NEO4J_NEW_PASSWORD=... java ... BoltCheck alter URI USER
//
// (`java -cp '.neo4j/lib/*' deploy/neo4j/src/BoltCheck.java ...` works too, slower.)
// Exit codes: 0 ok, 2 authentication refused, 3 server process gone, 4 timed out, 1 other.
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.QueryConfig;
import org.neo4j.driver.exceptions.AuthenticationException;

public class BoltCheck {
    public static void main(String[] args) throws Exception {
        String mode = args[0], uri = args[1], user = args[2];
        String password = System.getenv("NEO4J_CHECK_PASSWORD");
        Config config = Config.builder()
                .withLogging(Logging.none())
                .withConnectionTimeout(2, TimeUnit.SECONDS)
                .withMaxTransactionRetryTime(0, TimeUnit.SECONDS)
                .build();
        if (mode.equals("alter")) {
            try (Driver driver = GraphDatabase.driver(uri, AuthTokens.basic(user, password), config)) {
                driver.executableQuery("ALTER CURRENT USER SET PASSWORD FROM $old TO $new")
                        .withParameters(Map.of("old", password, "new", System.getenv("NEO4J_NEW_PASSWORD")))
                        .withConfig(QueryConfig.builder().withDatabase("system").build())
                        .execute();
                return;
            } catch (AuthenticationException e) {
                System.err.println("authentication refused: " + e.getMessage());
                System.exit(2);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[3])).toNanos();
        long pid = Long.parseLong(args[4]);
        Exception last = null;
        while (true) {
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                System.err.println("server process " + pid + " exited");
                System.exit(3);
            }
            try (Driver driver = GraphDatabase.driver(uri, AuthTokens.basic(user, password), config)) {
                driver.executableQuery("RETURN 1").execute();
                return;
            } catch (AuthenticationException e) {
                System.err.println("authentication refused: " + e.getMessage());
                System.exit(2);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                System.err.println("timed out; last error: " + last);
                System.exit(4);
            }
            Thread.sleep(500);
        }
    }
}
