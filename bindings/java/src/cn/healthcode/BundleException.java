package cn.healthcode;

/** A signed trust bundle was refused, or the checkpoint's bundle state (doc/bundle.md):
 *  malformed ("bad_bundle"), not signed by a pinned root ("bundle_wrong_root"), an altered byte
 *  ("bundle_bad_signature"), older than the bundle accepted or a store behind its state file
 *  ("bundle_rollback"), expired ("bundle_expired"), a delta on another base
 *  ("bundle_wrong_base"), a key entry not matching its kid ("bundle_kid_mismatch"), an invalid
 *  state file ("bad_bundle_state"). A refused bundle changes nothing. */
public class BundleException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public BundleException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}
