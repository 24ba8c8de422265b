package cn.healthcode;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a parameter that may be null, and says what null means in the method's comment
 *  (a policy path: the built-in policy; an issuer: any). Every other reference parameter of
 *  the binding's public methods is required: null throws {@link NullPointerException} whose
 *  message is the parameter's name, before anything is done. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Nullable {}
