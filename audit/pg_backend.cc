// PostgreSQL backend of the audit trail (see pg_backend.h).
#include "audit/pg_backend.h"

#include <mutex>

#include "audit/backend_sql.h"
#include "audit/chain.h"
#include "audit/pg_connection.h"
#include "audit/pg_schema.h"

namespace tcplan::audit {
namespace {

using sql::int_param;
using sql::Param;
using sql::text_param;

constexpr const char* kNowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
constexpr const char* kWitnessColumns = "counter, seq, hash, run_id, key_fingerprint, time_ms";
// The trail's own witness row (the table could hold witnesses of other trails too).
constexpr const char* kSelf = "self";

std::vector<Event> events_of(const pg::Result& r) {
  std::vector<Event> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  std::vector<std::string_view> cols(sql::kColumnCount);
  for (int row = 0; row < r.rows(); ++row) {
    for (int c = 0; c < sql::kColumnCount; ++c)
      cols[static_cast<std::size_t>(c)] = r.text(row, c);
    out.push_back(sql::event_from_text(cols));
  }
  return out;
}

Lease lease_of(const pg::Result& r, int row) {
  Lease l;
  l.run_id = r.text(row, 0);
  l.epoch = r.integer(row, 1);
  l.owner.host = r.text(row, 2);
  l.owner.pid = r.integer(row, 3);
  l.owner.started = r.text(row, 4);
  l.acquired_ms = r.integer(row, 5);
  l.heartbeat_ms = r.integer(row, 6);
  l.released = r.text(row, 7) == "t";
  return l;
}

std::optional<WitnessState> witness_of(const pg::Result& r) {
  if (r.rows() == 0) return std::nullopt;
  WitnessState w;
  w.counter = r.integer(0, 0);
  w.seq = r.integer(0, 1);
  w.hash = r.text(0, 2);
  w.run_id = r.text(0, 3);
  w.key_fingerprint = r.text(0, 4);
  w.time_ms = r.integer(0, 5);
  return w;
}

base::Result<std::vector<Event>> select_on(pg::Connection& c, const EventFilter& filter) {
  sql::Where w = sql::where_clause(filter, '$');
  auto r = c.exec(std::string("SELECT ") + sql::kColumns + " FROM events" + w.sql, w.params);
  if (!r) return r.error();
  return events_of(*r);
}

base::Result<std::optional<Lease>> lease_on(pg::Connection& c, const std::string& run_id) {
  auto r = c.exec(std::string("SELECT ") + sql::kLeaseColumns + " FROM leases WHERE run_id = $1",
                  {text_param(run_id)});
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<Lease>();
  return std::optional<Lease>(lease_of(*r, 0));
}

base::Result<std::optional<WitnessState>> witness_on(pg::Connection& c) {
  auto r = c.exec(std::string("SELECT ") + kWitnessColumns + " FROM witness WHERE trail = $1",
                  {text_param(kSelf)});
  if (!r) return r.error();
  return witness_of(*r);
}

class PgTx : public WriteTx {
 public:
  PgTx(pg::Connection& c, ChainHead head, std::int64_t now)
      : c_(c), head_(std::move(head)), now_(now) {}
  std::int64_t now_ms() override { return now_; }
  ChainHead head() override { return head_; }
  Status insert(const Event& e) override {
    static const std::string q = std::string("INSERT INTO events (") + sql::kColumns +
                                 ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,"
                                 "$16,$17,$18,$19,$20,$21,$22,$23)";
    auto r = c_.exec(q, sql::event_params(e));
    if (!r)
      return base::Error{"inserting event " + std::to_string(e.seq) + ": " + r.error().message};
    return {};
  }
  base::Result<std::vector<Event>> select(const EventFilter& filter) override {
    return select_on(c_, filter);
  }
  base::Result<std::optional<Lease>> lease(const std::string& run_id) override {
    return lease_on(c_, run_id);
  }
  Status put_lease(const Lease& l) override {
    auto r = c_.exec(
        "INSERT INTO leases (run_id, epoch, host, pid, started, acquired_ms, heartbeat_ms, "
        "released) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO UPDATE SET "
        "epoch = EXCLUDED.epoch, host = EXCLUDED.host, pid = EXCLUDED.pid, started = "
        "EXCLUDED.started, acquired_ms = EXCLUDED.acquired_ms, heartbeat_ms = "
        "EXCLUDED.heartbeat_ms, released = EXCLUDED.released",
        {text_param(l.run_id), int_param(l.epoch), text_param(l.owner.host), int_param(l.owner.pid),
         text_param(l.owner.started), int_param(l.acquired_ms), int_param(l.heartbeat_ms),
         text_param(l.released ? "true" : "false")});
    if (!r) return r.error();
    return {};
  }
  base::Result<std::optional<WitnessState>> witness() override { return witness_on(c_); }
  Status put_witness(const WitnessState& w) override {
    auto r = c_.exec(
        std::string("INSERT INTO witness (trail, ") + kWitnessColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (trail) DO UPDATE SET counter = "
            "EXCLUDED.counter, seq = EXCLUDED.seq, hash = EXCLUDED.hash, run_id = "
            "EXCLUDED.run_id, key_fingerprint = EXCLUDED.key_fingerprint, time_ms = "
            "EXCLUDED.time_ms",
        {text_param(kSelf), int_param(w.counter), int_param(w.seq), text_param(w.hash),
         text_param(w.run_id), text_param(w.key_fingerprint), int_param(w.time_ms)});
    if (!r) return r.error();
    return {};
  }
  Status savepoint() override { return run("SAVEPOINT tcplan_job"); }
  Status release_savepoint() override { return run("RELEASE SAVEPOINT tcplan_job"); }
  Status rollback_to_savepoint() override {
    if (auto ok = run("ROLLBACK TO SAVEPOINT tcplan_job"); !ok) return ok;
    return run("RELEASE SAVEPOINT tcplan_job");
  }

 private:
  Status run(const char* q) {
    auto r = c_.exec_script(q);
    if (!r) return r.error();
    return {};
  }
  pg::Connection& c_;
  ChainHead head_;
  std::int64_t now_;
};

// A connection and the mutex that serialises its use (libpq connections are not thread-safe).
struct Guarded {
  std::unique_ptr<pg::Connection> conn;
  std::mutex mu;
};

class PgBackend : public Backend {
 public:
  PgBackend(StoreLocation location, PgOpenOptions options, std::unique_ptr<pg::Connection> chain)
      : location_(std::move(location)), options_(options) {
    chain_.conn = std::move(chain);
  }

  std::string describe() const override { return location_.display; }
  bool shared() const override { return true; }

  Status write(const std::function<Status(WriteTx&)>& body) override {
    std::lock_guard<std::mutex> lock(chain_.mu);
    pg::Connection& c = *chain_.conn;
    if (auto ok = c.ensure_open(); !ok) return ok;
    // The lock first, then the head: each statement of a READ COMMITTED transaction reads a
    // fresh snapshot, so the head read after the lock sees every earlier writer's commit.
    auto head = c.exec_script(
        "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kPgChainLockKey) +
        "); SELECT h.seq, h.hash, n.ms FROM (SELECT " + kNowMs +
        " AS ms) n LEFT JOIN LATERAL (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) h "
        "ON true");
    if (!head) {
      rollback(c);
      return base::Error{"audit append: taking the chain lock: " + head.error().message};
    }
    ChainHead h{0, std::string(kGenesisHash)};
    if (!head->null(0, 0)) h = ChainHead{head->integer(0, 0), std::string(head->text(0, 1))};
    PgTx tx(c, h, head->integer(0, 2));
    if (auto ok = body(tx); !ok) {
      rollback(c);
      return ok;
    }
    // synchronous_commit is on for this session: COMMIT returns once the WAL is flushed.
    if (auto ok = c.exec_script("COMMIT"); !ok) {
      rollback(c);
      return base::Error{"audit append: committing: " + ok.error().message};
    }
    return {};
  }

  base::Result<std::vector<Event>> select(const EventFilter& filter) const override {
    return with_reader([&](pg::Connection& c) { return select_on(c, filter); });
  }

  Status scan(std::int64_t from_seq,
              const std::function<bool(const Event&)>& visit) const override {
    auto reader = reader_conn();
    if (!reader) return reader.error();
    std::lock_guard<std::mutex> lock(reader_.mu);
    pg::Connection& c = *reader_.conn;
    if (auto ok = c.ensure_open(); !ok) return ok;
    // One snapshot for the whole scan, read in pages by a cursor.
    if (auto ok = c.exec_script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !ok) {
      return ok.error();
    }
    auto done = [&](Status s) {
      // A failed COMMIT of a read-only scan loses nothing: the rows were already read.
      (void)c.exec_script(s ? "COMMIT" : "ROLLBACK");
      return s;
    };
    auto declared = c.exec(std::string("DECLARE tcplan_scan NO SCROLL CURSOR FOR SELECT ") +
                               sql::kColumns + " FROM events WHERE seq >= $1 ORDER BY seq",
                           {int_param(from_seq)});
    if (!declared) return done(declared.error());
    for (;;) {
      auto page = c.exec_script("FETCH 2000 FROM tcplan_scan");
      if (!page) return done(page.error());
      if (page->rows() == 0) break;
      for (const auto& e : events_of(*page)) {
        if (!visit(e)) return done({});
      }
    }
    return done({});
  }

  base::Result<std::vector<std::string>> run_ids() const override {
    return with_reader([](pg::Connection& c) -> base::Result<std::vector<std::string>> {
      auto r =
          c.exec("SELECT run_id FROM events WHERE run_id <> '' GROUP BY run_id ORDER BY MIN(seq)");
      if (!r) return r.error();
      std::vector<std::string> out;
      for (int i = 0; i < r->rows(); ++i)
        out.emplace_back(r->text(i, 0));
      return out;
    });
  }

  base::Result<ChainHead> head() const override {
    return with_reader([](pg::Connection& c) -> base::Result<ChainHead> {
      auto r = c.exec("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
      if (!r) return r.error();
      if (r->rows() == 0) return ChainHead{0, std::string(kGenesisHash)};
      return ChainHead{r->integer(0, 0), std::string(r->text(0, 1))};
    });
  }

  base::Result<std::vector<Lease>> leases() const override {
    return with_reader([](pg::Connection& c) -> base::Result<std::vector<Lease>> {
      auto r = c.exec(std::string("SELECT ") + sql::kLeaseColumns + " FROM leases ORDER BY run_id");
      if (!r) return r.error();
      std::vector<Lease> out;
      for (int i = 0; i < r->rows(); ++i)
        out.push_back(lease_of(*r, i));
      return out;
    });
  }

  base::Result<std::optional<WitnessState>> witness() const override {
    return with_reader([](pg::Connection& c) { return witness_on(c); });
  }

  base::Result<std::int64_t> now_ms() const override {
    return with_reader([](pg::Connection& c) -> base::Result<std::int64_t> {
      auto r = c.exec(std::string("SELECT ") + kNowMs);
      if (!r) return r.error();
      return r->integer(0, 0);
    });
  }

  base::Result<SlotGrant> take_slots(const std::string& bucket, std::int64_t interval_us,
                                     int count) override {
    std::lock_guard<std::mutex> lock(rate_.mu);
    if (auto ok = open_rate(); !ok) return ok.error();
    // One statement, autocommitted without waiting for the WAL flush: a lost booking after a
    // server crash only means a slot is booked again.
    auto r = rate_.conn->exec(
        "WITH n AS (SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint AS us) "
        "INSERT INTO rate_buckets AS b (bucket, next_slot_us) "
        "SELECT $1, n.us + $2::bigint * $3::bigint FROM n "
        "ON CONFLICT (bucket) DO UPDATE SET next_slot_us = "
        "GREATEST(b.next_slot_us + $2::bigint * $3::bigint, EXCLUDED.next_slot_us) "
        "RETURNING b.next_slot_us - $2::bigint * $3::bigint, (SELECT us FROM n)",
        {text_param(bucket), int_param(interval_us), int_param(count)});
    if (!r) return r.error();
    return SlotGrant{r->integer(0, 0), interval_us, r->integer(0, 1), count};
  }

  Status return_slots(const std::string& bucket, std::int64_t from_us,
                      std::int64_t end_us) override {
    std::lock_guard<std::mutex> lock(rate_.mu);
    if (auto ok = open_rate(); !ok) return ok.error();
    auto r = rate_.conn->exec(
        "UPDATE rate_buckets SET next_slot_us = $2::bigint WHERE bucket = $1 AND "
        "next_slot_us = $3::bigint",
        {text_param(bucket), int_param(from_us), int_param(end_us)});
    if (!r) return r.error();
    return {};
  }

 private:
  static void rollback(pg::Connection& c) {
    // The transaction is abandoned either way: the server rolls it back when the connection
    // goes, and a ROLLBACK that fails leaves nothing behind.
    if (c.in_transaction()) (void)c.exec_script("ROLLBACK");
  }

  base::Result<pg::Connection*> reader_conn() const {
    std::lock_guard<std::mutex> lock(reader_.mu);
    if (!reader_.conn) {
      auto c = pg::Connection::open(location_.text, location_.display);
      if (!c) return c.error();
      reader_.conn = std::move(*c);
    }
    return reader_.conn.get();
  }

  template <typename F>
  auto with_reader(F f) const -> decltype(f(std::declval<pg::Connection&>())) {
    auto reader = reader_conn();
    if (!reader) return reader.error();
    std::lock_guard<std::mutex> lock(reader_.mu);
    if (auto ok = reader_.conn->ensure_open(); !ok) return ok.error();
    return f(*reader_.conn);
  }

  Status open_rate() {
    if (!rate_.conn) {
      auto c = pg::Connection::open(location_.text, location_.display);
      if (!c) return c.error();
      rate_.conn = std::move(*c);
      if (auto ok = rate_.conn->set_session("SET synchronous_commit = off"); !ok) return ok;
    }
    return rate_.conn->ensure_open();
  }

  StoreLocation location_;
  PgOpenOptions options_;
  Guarded chain_;
  mutable Guarded reader_;
  Guarded rate_;
};

}  // namespace

base::Result<std::unique_ptr<Backend>> open_pg_backend(const StoreLocation& location,
                                                       const PgOpenOptions& options) {
  auto c = pg::Connection::open(location.text, location.display);
  if (!c) return c.error();
  auto version = (*c)->exec("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version) {
    if ((*c)->last_sqlstate() == "42P01") {  // undefined_table
      return base::Error{"audit store " + location.display +
                         " has no tcplan tables: a DBA sets it up once with `tcplan audit init " +
                         location.display + "` (docs/team.md)"};
    }
    return version.error();
  }
  if (version->rows() != 1 || version->text(0, 0) != std::to_string(kSchemaVersion)) {
    return base::Error{"audit store " + location.display + " has schema version " +
                       (version->rows() == 1 ? std::string(version->text(0, 0)) : "none") +
                       "; this tcplan reads version " + std::to_string(kSchemaVersion)};
  }
  // The write-ahead rule needs durable commits whatever the database's default; a writer
  // that stops mid-transaction (SIGSTOP, a hung host) must not hold the chain forever.
  if (auto ok = (*c)->set_session(
          "SET synchronous_commit = on; SET lock_timeout = " +
          std::to_string(options.busy_timeout.count()) +
          "; SET idle_in_transaction_session_timeout = 60000; SET application_name = 'tcplan'");
      !ok) {
    return ok.error();
  }
  return std::unique_ptr<Backend>(new PgBackend(location, options, std::move(*c)));
}

}  // namespace tcplan::audit
