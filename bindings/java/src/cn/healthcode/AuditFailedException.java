package cn.healthcode;

/** The register's audit found a row that does not match its hash chain or its signed heads
 *  ("audit_failed"): a row changed, deleted, inserted or reordered by hand, a forged or missing
 *  head, counts that are not the codes'. {@link #where()} names the first such row ("codes seq
 *  2 (cti 0011223344556677)", "heads seq 40"), {@link #badSeq()} its event. */
public class AuditFailedException extends RegisterException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code; field is the row, line its event (0: not one event's). */
    public AuditFailedException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }

    /** The first row that does not match: "codes seq 2 (cti 0011223344556677)", "heads seq 40". */
    public String where() { return field; }

    /** The first event that does not match; 0 when the fault is not one event's (a head, the end
     *  of the chain). */
    public long badSeq() { return line; }
}
