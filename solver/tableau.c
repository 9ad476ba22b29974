/* tableau.c - the registered explicit Runge-Kutta tableaux and the names
 * (ours and XPPAUT's) that select them. */
#include "tableau.h"

#include <ctype.h>
#include <string.h>

/* Forward Euler; L. Euler, Institutionum calculi integralis (1768). */
/* Controller target of the 7th- and 8th-order pairs (control.h: theta).
   Their error estimate grows like h^7 or h^8, so the default 0.45 leaves
   a margin of only 10-12% in step size, and a rejected step costs 10-12
   stages: on the bench problems they rejected one attempt in five.  0.2
   (a step margin near 0.8, Hairer's DOP853 has 0.9 with no filter) was
   measured against 0.45 and 0.1-0.6 on arenstorf, pleiades and bruss1d at
   rtol 1e-5..1e-12: rejections fall to 35-50%, and the f-evaluations at
   equal error (interpolated along each run) to 0.92/0.99/0.96 (vern7) and
   0.98/0.91/0.94 (dop853) of theirs at 0.45. */
#define HIGH_ORDER_TARGET 0.2

static const struct rk_tableau tab_euler = {
    .name = "euler", .stages = 1, .order = 1, .order_emb = 0, .fsal = false,
    .desc = "forward Euler",
    .c    = { 0 },
    .a    = { { 0 } },
    .b    = { 1 },
};

/* Explicit midpoint rule; C. Runge, Math. Ann. 46 (1895) 167-178. */
static const struct rk_tableau tab_midpoint = {
    .name = "midpoint", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "explicit midpoint rule",
    .c    = { 0, 1.0/2 },
    .a    = { { 0 },
              { 1.0/2 } },
    .b    = { 0, 1 },
};

/* Heun's method (explicit trapezoidal rule); K. Heun, Z. Math. Phys. 45
   (1900) 23-38.  XPPAUT calls it "modeuler". */
static const struct rk_tableau tab_heun = {
    .name = "heun", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "Heun's method, explicit trapezoidal rule (XPPAUT modeuler)",
    .c    = { 0, 1 },
    .a    = { { 0 },
              { 1 } },
    .b    = { 1.0/2, 1.0/2 },
};

/* A. Ralston, "Runge-Kutta methods with minimum error bounds", Math. Comp.
   16 (1962) 431-437: the second-order method with the smallest bound on
   the principal error term. */
static const struct rk_tableau tab_ralston = {
    .name = "ralston", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "Ralston's minimum-error second-order method",
    .c    = { 0, 2.0/3 },
    .a    = { { 0 },
              { 2.0/3 } },
    .b    = { 1.0/4, 3.0/4 },
};

/* The classical Runge-Kutta method; W. Kutta, Z. Math. Phys. 46 (1901)
   435-453. */
static const struct rk_tableau tab_rk4 = {
    .name = "rk4", .stages = 4, .order = 4, .order_emb = 0, .fsal = false,
    .desc = "classical Runge-Kutta (XPPAUT rungekutta)",
    .c    = { 0, 1.0/2, 1.0/2, 1 },
    .a    = { { 0 },
              { 1.0/2 },
              { 0, 1.0/2 },
              { 0, 0, 1 } },
    .b    = { 1.0/6, 1.0/3, 1.0/3, 1.0/6 },
};

/* P. Bogacki & L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas",
   Appl. Math. Lett. 2 (1989) 321-325; first-same-as-last. */
static const struct rk_tableau tab_bosh3 = {
    .name = "bosh3", .stages = 4, .order = 3, .order_emb = 2, .fsal = true,
    .desc = "Bogacki-Shampine pair, FSAL, cubic dense output; loose tolerances",
    .c    = { 0, 1.0/2, 3.0/4, 1 },
    .a    = { { 0 },
              { 1.0/2 },
              { 0, 3.0/4 },
              { 2.0/9, 1.0/3, 4.0/9 } },
    .b    = { 2.0/9, 1.0/3, 4.0/9, 0 },
    .bemb = { 7.0/24, 1.0/4, 1.0/3, 1.0/8 },
};

/* J. R. Dormand & P. J. Prince, "A family of embedded Runge-Kutta
   formulae", J. Comput. Appl. Math. 6 (1980) 19-26, the 5(4) pair
   RK5(4)7M; first-same-as-last.  Dense output of order 4: L. F. Shampine,
   "Some practical Runge-Kutta formulas", Math. Comp. 46 (1986) 135-150, in
   the form given by Hairer, Norsett & Wanner, "Solving ODEs I", 2nd ed.,
   II.6 (and their code DOPRI5). */
static const struct rk_tableau tab_dopri5 = {
    .name = "dopri5", .stages = 7, .order = 5, .order_emb = 4, .fsal = true,
    .desc = "Dormand-Prince pair, FSAL, 4th-order dense output (XPPAUT 5dp)",
    .c    = { 0, 1.0/5, 3.0/10, 4.0/5, 8.0/9, 1, 1 },
    .a    = { { 0 },
              { 1.0/5 },
              { 3.0/40, 9.0/40 },
              { 44.0/45, -56.0/15, 32.0/9 },
              { 19372.0/6561, -25360.0/2187, 64448.0/6561, -212.0/729 },
              { 9017.0/3168, -355.0/33, 46732.0/5247, 49.0/176, -5103.0/18656 },
              { 35.0/384, 0, 500.0/1113, 125.0/192, -2187.0/6784, 11.0/84 } },
    .b    = { 35.0/384, 0, 500.0/1113, 125.0/192, -2187.0/6784, 11.0/84, 0 },
    .bemb = { 5179.0/57600, 0, 7571.0/16695, 393.0/640, -92097.0/339200,
              187.0/2100, 1.0/40 },
    .dense_form = TAB_DENSE_NESTED, .dense_order = 4, .dense_rows = 1,
    .dense = { { -12715105075.0/11282082432.0, 0, 87487479700.0/32700410799.0,
                 -10690763975.0/1880347072.0, 701980252875.0/199316789632.0,
                 -1453857185.0/822651844.0, 69997945.0/29380423.0 } },
};

/* Ch. Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying only the first
   column simplifying assumption", Comput. Math. Appl. 62 (2011) 770-775,
   Table 1; first-same-as-last.  The paper gives c and a_ij for j > 1 and
   fixes a_i1 by the row sums (sum_j a_ij = c_i): so are they written here.
   The embedded weights are b - e with the paper's error coefficients e
   (e_7 = -1/66).  The continuous extension of order 4 is the paper's
   b_j(theta) (Sec. 3), printed in factored form,
     b_1 = K1 theta (theta - R1)(theta^2 - P1 theta + Q1),
     b_j = Kj theta^2 (theta^2 - Pj theta + Qj)    (j = 2, 3),
     b_j = Kj theta^2 (theta - Rj)(theta - Sj)     (j = 4 .. 7),
   whose products are multiplied out into powers of theta at compile time. */
#define TS_K1 (-1.0530884977290216)
#define TS_R1 1.3299890189751412
#define TS_P1 1.4364028541716351
#define TS_Q1 0.7139816917074209
#define TS_K2 0.1017
#define TS_P2 2.1966568338249754
#define TS_Q2 1.2949852507374631
#define TS_K3 2.490627285651252793
#define TS_P3 2.38535645472061657
#define TS_Q3 1.57803468208092486
#define TS_K4 (-16.54810288924490272)
#define TS_R4 1.21712927295533244
#define TS_S4 0.61620406037800089
#define TS_K5 47.37952196281928122
#define TS_R5 1.203071208372362603
#define TS_S5 0.658047292653547382
#define TS_K6 (-34.87065786149660974)
#define TS_R6 1.2
#define TS_S6 0.666666666666666667
#define TS_K7 2.5
#define TS_R7 1.0
#define TS_S7 0.6
static const struct rk_tableau tab_tsit5 = {
    .name = "tsit5", .stages = 7, .order = 5, .order_emb = 4, .fsal = true,
    .desc = "Tsitouras 5(4) pair, FSAL, 4th-order dense output",
    .c    = { 0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1 },
    .a    = { { 0 },
              { 0.161 },
              { 0.327 - 0.3354806554923570, 0.3354806554923570 },
              { 0.9 - (-6.359448489975075 + 4.362295432869581),
                -6.359448489975075, 4.362295432869581 },
              { 0.9800255409045097 - (-11.74888356406283 + 7.495539342889836 +
                                      -0.09249506636175525),
                -11.74888356406283, 7.495539342889836, -0.09249506636175525 },
              { 1 - (-12.92096931784711 + 8.159367898576159 + -0.07158497328140100 +
                     -0.02826905039406838),
                -12.92096931784711, 8.159367898576159, -0.07158497328140100,
                -0.02826905039406838 },
              { 0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
                -3.290069515436081, 2.324710524099774 } },
    .b    = { 0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
              -3.290069515436081, 2.324710524099774, 0 },
    .bemb = { 0.09646076681806523 - 0.001780011052226, 0.01 - 0.000816434459657,
              0.4798896504144996 - -0.007880878010262, 1.379008574103742 - 0.144711007173263,
              -3.290069515436081 - -0.582357165452555, 2.324710524099774 - 0.458082105929187,
              0 - -1.0/66 },
    .dense_form = TAB_DENSE_POLY, .dense_order = 4, .dense_rows = 4,
    .dense = { { -TS_K1 * TS_R1 * TS_Q1 },
               { TS_K1 * (TS_Q1 + TS_R1 * TS_P1), TS_K2 * TS_Q2, TS_K3 * TS_Q3,
                 TS_K4 * TS_R4 * TS_S4, TS_K5 * TS_R5 * TS_S5, TS_K6 * TS_R6 * TS_S6,
                 TS_K7 * TS_R7 * TS_S7 },
               { -TS_K1 * (TS_P1 + TS_R1), -TS_K2 * TS_P2, -TS_K3 * TS_P3,
                 -TS_K4 * (TS_R4 + TS_S4), -TS_K5 * (TS_R5 + TS_S5),
                 -TS_K6 * (TS_R6 + TS_S6), -TS_K7 * (TS_R7 + TS_S7) },
               { TS_K1, TS_K2, TS_K3, TS_K4, TS_K5, TS_K6, TS_K7 } },
};
#undef TS_K1
#undef TS_R1
#undef TS_P1
#undef TS_Q1
#undef TS_K2
#undef TS_P2
#undef TS_Q2
#undef TS_K3
#undef TS_P3
#undef TS_Q3
#undef TS_K4
#undef TS_R4
#undef TS_S4
#undef TS_K5
#undef TS_R5
#undef TS_S5
#undef TS_K6
#undef TS_R6
#undef TS_S6
#undef TS_K7
#undef TS_R7
#undef TS_S7

/* J. R. Dormand & P. J. Prince, "High order embedded Runge-Kutta formulae",
   J. Comput. Appl. Math. 7 (1981) 67-75, the 8(7) pair RK8(7)13M
   reworked by Hairer, Norsett & Wanner into the 8(5,3) pair of "Solving
   ODEs I", 2nd ed., II.10, with the coefficients (to 30 digits) of their
   code DOP853.  Stage 13 is f(t+h, y_{n+1}) (first-same-as-last; b_13 = 0).
   Two embedded solutions, of order 5 (bemb = b - ER, DOP853's error
   coefficients ER) and 3 (BHH), combined into one error by tab_err_order's
   formula.  Dense output of order 7 in the nested form of DOP853's CONTD8,
   with three extra stages (14-16) and coefficients D4..D7. */
static const struct rk_tableau tab_dop853 = {
    .name = "dop853", .stages = 13, .order = 8, .order_emb = 5, .order_emb2 = 3,
    .fsal = true, .err_target = HIGH_ORDER_TARGET,
    .desc = "Dormand-Prince 8(5,3) as in HNW's DOP853, FSAL, 7th-order dense output (XPPAUT 83dp)",
    .c    = { 0, 0.526001519587677318785587544488e-01, 0.789002279381515978178381316732e-01,
              0.118350341907227396726757197510e+00, 0.281649658092772603273242802490e+00,
              0.333333333333333333333333333333e+00, 0.25e+00,
              0.307692307692307692307692307692e+00, 0.651282051282051282051282051282e+00,
              0.6e+00, 0.857142857142857142857142857142e+00, 1, 1,
              0.1e+00, 0.2e+00, 0.777777777777777777777777777778e+00 },
    .a    = {
        { 0 },
        { 5.26001519587677318785587544488e-2 },
        { 1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2 },
        { 2.95875854768068491816892993775e-2, 0, 8.87627564304205475450678981324e-2 },
        { 2.41365134159266685502369798665e-1, 0, -8.84549479328286085344864962717e-1,
          9.24834003261792003115737966543e-1 },
        { 3.7037037037037037037037037037e-2, 0, 0, 1.70828608729473871279604482173e-1,
          1.25467687566822425016691814123e-1 },
        { 3.7109375e-2, 0, 0, 1.70252211019544039314978060272e-1,
          6.02165389804559606850219397283e-2, -1.7578125e-2 },
        { 3.70920001185047927108779319836e-2, 0, 0, 1.70383925712239993810214054705e-1,
          1.07262030446373284651809199168e-1, -1.53194377486244017527936158236e-2,
          8.27378916381402288758473766002e-3 },
        { 6.24110958716075717114429577812e-1, 0, 0, -3.36089262944694129406857109825e0,
          -8.68219346841726006818189891453e-1, 2.75920996994467083049415600797e1,
          2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1 },
        { 4.77662536438264365890433908527e-1, 0, 0, -2.48811461997166764192642586468e0,
          -5.90290826836842996371446475743e-1, 2.12300514481811942347288949897e1,
          1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
          -2.03312017085086261358222928593e-2 },
        { -9.3714243008598732571704021658e-1, 0, 0, 5.18637242884406370830023853209e0,
          1.09143734899672957818500254654e0, -8.14978701074692612513997267357e0,
          -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
          2.49360555267965238987089396762e0, -3.0467644718982195003823669022e0 },
        { 2.27331014751653820792359768449e0, 0, 0, -1.05344954667372501984066689879e1,
          -2.00087205822486249909675718444e0, -1.79589318631187989172765950534e1,
          2.79488845294199600508499808837e1, -2.85899827713502369474065508674e0,
          -8.87285693353062954433549289258e0, 1.23605671757943030647266201528e1,
          6.43392746015763530355970484046e-1 },
        { 5.42937341165687622380535766363e-2, 0, 0, 0, 0, 4.45031289275240888144113950566e0,
          1.89151789931450038304281599044e0, -5.8012039600105847814672114227e0,
          3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
          2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2 },
        /* Extra stages of the dense output (DOP853's A14x .. A16x). */
        { 5.61675022830479523392909219681e-2, 0, 0, 0, 0, 0,
          2.53500210216624811088794765333e-1, -2.46239037470802489917441475441e-1,
          -1.24191423263816360469010140626e-1, 1.5329179827876569731206322685e-1,
          8.20105229563468988491666602057e-3, 7.56789766054569976138603589584e-3,
          -8.298e-3 },
        { 3.18346481635021405060768473261e-2, 0, 0, 0, 0, 2.83009096723667755288322961402e-2,
          5.35419883074385676223797384372e-2, -5.49237485713909884646569340306e-2, 0, 0,
          -1.08347328697249322858509316994e-4, 3.82571090835658412954920192323e-4,
          -3.40465008687404560802977114492e-4, 1.41312443674632500278074618366e-1 },
        { -4.28896301583791923408573538692e-1, 0, 0, 0, 0, -4.69762141536116384314449447206e0,
          7.68342119606259904184240953878e0, 4.06898981839711007970213554331e0,
          3.56727187455281109270669543021e-1, 0, 0, 0, -1.39902416515901462129418009734e-3,
          2.9475147891527723389556272149e0, -9.15095847217987001081870187138e0 },
    },
    .b    = { 5.42937341165687622380535766363e-2, 0, 0, 0, 0, 4.45031289275240888144113950566e0,
              1.89151789931450038304281599044e0, -5.8012039600105847814672114227e0,
              3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
              2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2, 0 },
    .bemb = { 5.42937341165687622380535766363e-2 - 0.1312004499419488073250102996e-01, 0, 0, 0, 0,
              4.45031289275240888144113950566e0 - -0.1225156446376204440720569753e+01,
              1.89151789931450038304281599044e0 - -0.4957589496572501915214079952e+00,
              -5.8012039600105847814672114227e0 - 0.1664377182454986536961530415e+01,
              3.1116436695781989440891606237e-1 - -0.3503288487499736816886487290e+00,
              -1.52160949662516078556178806805e-1 - 0.3341791187130174790297318841e+00,
              2.01365400804030348374776537501e-1 - 0.8192320648511571246570742613e-01,
              4.47106157277725905176885569043e-2 - -0.2235530786388629525884427845e-01, 0 },
    .bemb2 = { 0.244094488188976377952755905512e+00, 0, 0, 0, 0, 0, 0, 0,
               0.733846688281611857341361741547e+00, 0, 0,
               0.220588235294117647058823529412e-01, 0 },
    .extra = 3,
    .dense_form = TAB_DENSE_NESTED, .dense_order = 7, .dense_rows = 4,
    .dense = {
        { -0.84289382761090128651353491142e+01, 0, 0, 0, 0, 0.56671495351937776962531783590e+00,
          -0.30689499459498916912797304727e+01, 0.23846676565120698287728149680e+01,
          0.21170345824450282767155149946e+01, -0.87139158377797299206789907490e+00,
          0.22404374302607882758541771650e+01, 0.63157877876946881815570249290e+00,
          -0.88990336451333310820698117400e-01, 0.18148505520854727256656404962e+02,
          -0.91946323924783554000451984436e+01, -0.44360363875948939664310572000e+01 },
        { 0.10427508642579134603413151009e+02, 0, 0, 0, 0, 0.24228349177525818288430175319e+03,
          0.16520045171727028198505394887e+03, -0.37454675472269020279518312152e+03,
          -0.22113666853125306036270938578e+02, 0.77334326684722638389603898808e+01,
          -0.30674084731089398182061213626e+02, -0.93321305264302278729567221706e+01,
          0.15697238121770843886131091075e+02, -0.31139403219565177677282850411e+02,
          -0.93529243588444783865713862664e+01, 0.35816841486394083752465898540e+02 },
        { 0.19985053242002433820987653617e+02, 0, 0, 0, 0, -0.38703730874935176555105901742e+03,
          -0.18917813819516756882830838328e+03, 0.52780815920542364900561016686e+03,
          -0.11573902539959630126141871134e+02, 0.68812326946963000169666922661e+01,
          -0.10006050966910838403183860980e+01, 0.77771377980534432092869265740e+00,
          -0.27782057523535084065932004339e+01, -0.60196695231264120758267380846e+02,
          0.84320405506677161018159903784e+02, 0.11992291136182789328035130030e+02 },
        { -0.25693933462703749003312586129e+02, 0, 0, 0, 0, -0.15418974869023643374053993627e+03,
          -0.23152937917604549567536039109e+03, 0.35763911791061412378285349910e+03,
          0.93405324183624310003907691704e+02, -0.37458323136451633156875139351e+02,
          0.10409964950896230045147246184e+03, 0.29840293426660503123344363579e+02,
          -0.43533456590011143754432175058e+02, 0.96324553959188282948394950600e+02,
          -0.39177261675615439165231486172e+02, -0.14972683625798562581422125276e+03 },
    },
};

/* J. H. Verner, "Numerically optimal Runge-Kutta pairs with interpolants",
   Numer. Algorithms 53 (2010) 383-396: the "most efficient" 7(6) pair with
   its 7th-order interpolant, coefficients (40 digits) from Verner's file
   RKV76.IIa.Efficient.00001675585.081206 (CoeffsOnlyFLOAT).  Ten stages,
   not first-same-as-last: stage 10 serves only the 6th-order estimate.
   The interpolant adds six stages: stage 11 is f(t+h, y_{n+1}) (row b),
   12-16 are new; b_j(theta) = sum_m bi_jm theta^m as in Verner's file. */
static const struct rk_tableau tab_vern7 = {
    .name = "vern7", .stages = 10, .order = 7, .order_emb = 6, .fsal = false,
    .err_target = HIGH_ORDER_TARGET,
    .desc = "Verner's efficient 7(6) pair, 7th-order dense output; tight tolerances",
    .c    = { 0, 0.5e-2, 0.1088888888888888888888888888888888888889,
              0.1633333333333333333333333333333333333333, 0.4555,
              0.6095094489978381317087004421486024949638, 0.884, 0.925, 1, 1,
              1, 0.29, 0.125, 0.25, 0.53, 0.79 },
    .a    = {
        { 0 },
        { 0.5e-2 },
        { -1.076790123456790123456790123456790123457, 1.185679012345679012345679012345679012346 },
        { 0.4083333333333333333333333333333333333333e-1, 0, 0.1225 },
        { 0.6389139236255726780508121615993336109954, 0, -2.455672638223656809662640566430653894211,
          2.272258714598084131611828404831320283215 },
        { -2.661577375018757131119259297861818119279, 0, 10.80451388645613769565396655365532838482,
          -8.353914657396199411968048547819291691541, 0.8204875949566569791420417341743839209619 },
        { 6.067741434696770992718360183877276714679, 0, -24.71127363591108579734203485290746001803,
          20.42751793078889394045773111748346612697, -1.906157978816647150624096784352757010879,
          1.006172249242068014790040335899474187268 },
        { 12.05467007625320299509109452892778311648, 0, -49.75478495046898932807257615331444758322,
          41.14288863860467663259698416710157354209, -4.461760149974004185641911603484815375051,
          2.042334822239174959821717077708608543738, -0.9834843665406107379530801693870224403537e-1 },
        { 10.13814652288180787641845141981689030769, 0, -42.64113603171750214622846006736635730625,
          35.76384003992257007135021178023160054034, -4.348022840392907653340370296908245943710,
          2.009862268377035895441943593011827554771, 0.3487490460338272405953822853053145879140,
          -0.2714390051048312842371587140910297407572 },
        { -45.03007203429867712435322405073769635151, 0, 187.3272437654588840752418206154201997384,
          -154.0288236935018690596728621034510402582, 18.56465306347536233859492332958439136765,
          -7.141809679295078854925420496823551192821, 1.308808578161378625114762706007696696508 },
        /* Stages of the interpolant; the first is f(t+h, y_{n+1}). */
        { 0.4715561848627222170431765108838175679569e-1, 0, 0,
          0.2575056429843415189596436101037687580986, 0.2621665397741262047713863095764527711129,
          0.1521609265673855740323133199165117535523, 0.4939969170032484246907175893227876844296,
          -0.2943031171403250441557244744092703429139, 0.8131747232495109999734599440136761892478e-1 },
        { 0.5232227691599689815470932256735029887614e-1, 0, 0,
          0.2249586182670571550244187743667190903405, 0.1744370924877637539031751304611402542578e-1,
          -0.7669379876829393188009028209348812321417e-2, 0.3435896044073284645684381456417912794447e-1,
          -0.4102097230093949839125144540100346681769e-1, 0.2565113300520561655297104906598973655221e-1,
          0, -0.1604434570000000000000000000000000000000e-1 },
        { 0.5305334125785908638834747243817578898946e-1, 0, 0,
          0.1219530101140188607092225622195251463666, 0.1774684073760249704011573985936092552347e-1,
          -0.5928372667681494328907467430302313286925e-3, 0.8381833970853750873624781948796072714855e-2,
          -0.1293369259698611956700998079778496462996e-1, 0.9412056815253860804791356641605087829772e-2,
          0, -0.5353253107275676032399320754008272222345e-2, -0.6666729992455811078380186481263955324311e-1 },
        { 0.3887903257436303686399931060834951327899e-1, 0, 0,
          -0.2440320330830131517910045090190069290791e-2, -0.1392891721467262281273220992320214734208e-2,
          -0.4744629155868013465038358934145339168472e-3, 0.3920793241315951369383517310870803393356e-3,
          -0.4055473328512800136385880031750264996936e-3, 0.1989709314771672628794304728258886009267e-3,
          0, -0.1027819879317916884712606136811051029682e-3, 0.3385661513870266715302548402957613704604e-1,
          0.1814893063199928004309543737509423302792 },
        { 0.5723681204690012909606837582140921695189e-1, 0, 0,
          0.2226594806676118099285816235023183680020, 0.1234486420018689904911221497830317287757,
          0.4006332526666490875113688731927762275433e-1, -0.5269894848581452066926326838943832327366e-1,
          0.4765971214244522856887315416093212596338e-1, -0.2138895885042213036387863538386958914368e-1,
          0, 0.1519389106403640165459624646184297766866e-1, 0.1206054671628965554251364472502413614358,
          -0.2277942301618737288237298052574548913451e-1 },
        { 0.5137203880275681426595607279552927584506e-1, 0, 0,
          0.5414214473439405582401399378307410450482, 0.3503998066921840081154745647747846804810,
          0.1419311226969218216861835872156617148040, 0.1052737747842942254816302629823570359198,
          -0.3108184780587401700842726199589213259835e-1, -0.7401883149519145061791854716430279714483e-2,
          0, -0.6377932504865363437569726480040013149706e-2, -0.1732549590836186403386348310205265959935,
          -0.1822815677762202619429607513861847306420 },
    },
    .b    = { 0.4715561848627222170431765108838175679569e-1, 0, 0,
              0.2575056429843415189596436101037687580986, 0.2621665397741262047713863095764527711129,
              0.1521609265673855740323133199165117535523, 0.4939969170032484246907175893227876844296,
              -0.2943031171403250441557244744092703429139, 0.8131747232495109999734599440136761892478e-1,
              0 },
    .bemb = { 0.4460860660634117628731817597479197781432e-1, 0, 0,
              0.2671640378571372680509102260943837899738, 0.2201018300177293019979715776650753096323,
              0.2188431703143156830983120833512893824578, 0.2289871705411202883378173889763552365362,
              0, 0, 0.2029518466335628222767054793810430358554e-1 },
    .extra = 6,
    .dense_form = TAB_DENSE_POLY, .dense_order = 7, .dense_rows = 7,
    /* dense[m-1][j]: the coefficient of theta^m in b_j(theta). */
    .dense = {
        { 1 },
        { -8.413387198332767469319987751201351965810, 0, 0,
          8.754921980674397160629587282876763437696, 8.913387586637921662996190126913331844214,
          5.173312029847800338889849068990984974299, 16.79537744079695986364946329034055578253,
          -10.00599753609866476866352971232058330270, 2.764708833638599139713222853969606774131, 0,
          -2.169632028016350481156919876642428429100, -4.890070188793803933769786966428026149549,
          10.86217092955196715517224349929627754387, -11.37286691922922915922346687401389055763,
          -5.919778732715006698693070786679427540601, -10.49214619796182281022379415510181241136 },
        { 33.67550888449089654479469983556967202215, 0, 0,
          -88.45968286997709426134300934922618655402, -90.06081846893217794712014609702916991513,
          -52.27111590005538823385270070373176751689, -169.7004000005972744435739149730966805754,
          101.1005433052275068199636113246449312792, -27.93460263739046178114640484830267988046, 0,
          22.01669603756987625585768587320929912766, 22.75407737425176120799532459991506803585,
          -50.54297141782710697188187875653305700081, 130.7905807824671644130452602841032046030,
          63.27679965889218829298274978013773800731, 105.3553852518801101042787230303396283676 },
        { -70.80159089484886164618905961010838757357, 0, 0,
          346.9017638429916309499891288356321692825, 353.1807459217057824951538014683541349020,
          204.9853867374073094711024260808085419491, 665.4937727009246303131700313781960584913,
          -396.4739151237843754958939772727577263768, 109.5477918613789217803046856340175757800, 0,
          -86.90152427798948350846176288615482496306, -30.78034218537730965082079824005797506535,
          68.37148040407511827604242008548181691494, -488.6511367778560207543260583489312609826,
          -265.4326820887379575820873554556433306580, -409.4397501198893846479834816688367917005 },
        { 80.64695108301297872968868805293298389704, 0, 0,
          -629.2580030059837046812187141184986252218, -640.6476819744374433668701027882567716886,
          -371.8306118563602890875634623992262437796, -1207.163889233600728395392916633015853882,
          719.1787707014182914108130834128646525498, -198.7128113064482116421691972646370773711, 0,
          159.2238897386147443720253338471077193471, -2.797194317207249021142015125037024035537,
          6.213326521632409162585500428935637861213, 832.2148793276440873476229585070779183432,
          520.1009254140610824835871087519714692468, 732.8314489076540326880337353277812147333 },
        { -47.19413969837521580145883430419406103536, 0, 0,
          529.6773755604192983874116479833480529304, 539.2646279047155261551781390920363285084,
          312.9880934374529000210073972654145891826, 1016.129151581854603280159105697386989470,
          -605.3681033918824350795711030652978269725, 167.2663357164031670694252647113936863857, 0,
          -135.9618306534587908363115231453760181702, 31.36945663750840183161406140272783187147,
          -69.68006323194158104163196358466588618336, -664.7743368554426242883314487337054193624,
          -467.4121095339020118993777963241667608460, -606.3044574733512377981129469949015057785 },
        { 11.13381344253924186418881142808952641234, 0, 0,
          -167.3588698651401860365089970240284051167, -170.3880944299154827945664954924414008798,
          -98.89290352172494693555119599233959305606, -321.0600155723749421933210511704882816019,
          191.2743989279793520691961908384572824802, -52.85010499525706346613022509203974406942, 0,
          43.79240118328000419804718618785625308759, -15.65592732038180043387678567111987465689,
          34.77605679450919341971367832748521086414, 201.7928804424166224412127551654694479565,
          155.3868452824017054035883640343803117904, 188.0495196316683024640077644607192667895 },
    },
};

/* The registry, in --list-solvers order: fixed-step methods by order,
   then the adaptive pairs. */
static const struct rk_tableau *const tab_all[] = {
    &tab_euler, &tab_midpoint, &tab_heun, &tab_ralston, &tab_rk4,
    &tab_bosh3, &tab_dopri5, &tab_tsit5, &tab_vern7, &tab_dop853,
};

#define TAB_N (sizeof tab_all / sizeof tab_all[0])

/* XPPAUT's method names (its @ meth= values and the spellings found in
   shipped models) with the registered method that does the same work, or
   NULL and the method to use instead.  `key` is the letter XPPAUT itself
   matches on (load_eqn.c keys "demragvbqsc582y"), 0 for extra spellings. */
struct xpp_name {
    const char *name;
    char key;
    const char *ours;       /* NULL: not available here */
    const char *instead;    /* when ours is NULL */
};

static const struct xpp_name xpp_names[] = {
    { "discrete",   'd', NULL,     "euler" },
    { "euler",      'e', "euler",  NULL },
    { "modeuler",   'm', "heun",   NULL },
    { "rungekutta", 'r', "rk4",    NULL },
    { "adams",      'a', NULL,     "dopri5" },
    { "gear",       'g', NULL,     "dopri5" },
    { "volterra",   'v', NULL,     "dopri5" },
    { "backeuler",  'b', NULL,     "dopri5" },
    { "qualrk",     'q', NULL,     "dopri5" },
    { "stiff",      's', NULL,     "dopri5" },
    { "cvode",      'c', NULL,     "dopri5" },
    { "5dp",        '5', "dopri5", NULL },
    { "83dp",       '8', "dop853", NULL },
    { "2rb",        '2', NULL,     "dopri5" },
    { "ymp",        'y', NULL,     "rk4" },
    { "backeul",    0,   NULL,     "dopri5" },
    { "qualrk4",    0,   NULL,     "dopri5" },
    { "dorprin",    0,   "dopri5", NULL },
    { "dorprin5",   0,   "dopri5", NULL },
    { "dp83",       0,   "dop853", NULL },
    { "rb23",       0,   NULL,     "dopri5" },
    { "rosenbrock", 0,   NULL,     "dopri5" },
    { "symplectic", 0,   NULL,     "rk4" },
};

#define XPP_N (sizeof xpp_names / sizeof xpp_names[0])

static bool same_name(const char *x, const char *y)
{
    for (; *x && *y; x++, y++)
        if (tolower((unsigned char)*x) != tolower((unsigned char)*y))
            return false;
    return *x == *y;
}

static bool is_prefix(const char *pre, const char *name)
{
    for (; *pre; pre++, name++)
        if (tolower((unsigned char)*pre) != tolower((unsigned char)*name))
            return false;
    return true;
}

/* Levenshtein distance, ASCII case ignored; both strings are cut at
   DIST_MAX characters, far beyond any method name. */
#define DIST_MAX 64
static size_t edit_distance(const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y), i, j;
    size_t row[DIST_MAX + 1];

    if (nx > DIST_MAX)
        nx = DIST_MAX;
    if (ny > DIST_MAX)
        ny = DIST_MAX;
    for (j = 0; j <= ny; j++)
        row[j] = j;
    for (i = 1; i <= nx; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= ny; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)x[i - 1]) !=
                          tolower((unsigned char)y[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[ny];
}

const struct rk_tableau *tab_find(const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < TAB_N; i++)
        if (same_name(name, tab_all[i]->name))
            return tab_all[i];
    return NULL;
}

size_t tab_count(void)
{
    return TAB_N;
}

const struct rk_tableau *tab_at(size_t i)
{
    return i < TAB_N ? tab_all[i] : NULL;
}

bool tab_adaptive(const struct rk_tableau *t)
{
    return t->order_emb > 0;
}

int tab_err_order(const struct rk_tableau *t)
{
    if (t->order_emb2 > 0)
        return 2 * (t->order_emb + 1) - (t->order_emb2 + 1);
    return t->order_emb + 1;
}

int tab_dense_order(const struct rk_tableau *t)
{
    if (t->dense_form != TAB_DENSE_HERMITE)
        return t->dense_order;
    return t->order < 3 ? t->order : 3;
}

int tab_dense_stages(const struct rk_tableau *t)
{
    if (t->fsal)
        return t->stages + t->extra;
    return t->stages + (t->extra > 0 ? t->extra : 1);
}

/* Adds coefficient * theta^a (1-theta)^b, times the weights v (ns of them),
   to w: the binomial expansion of (1-theta)^b. */
static void add_basis(double w[TAB_MAX_DEG][TAB_MAX_STAGES], int a, int b,
                      const double *v, int ns)
{
    double binom = 1.0;
    int i, j;

    for (i = 0; i <= b; i++) {
        double s = (i % 2 ? -1.0 : 1.0) * binom;
        for (j = 0; j < ns; j++)
            w[a + i - 1][j] += s * v[j];
        binom = binom * (double)(b - i) / (double)(i + 1);
    }
}

int tab_dense_poly(const struct rk_tableau *t, double w[TAB_MAX_DEG][TAB_MAX_STAGES])
{
    int ns = tab_dense_stages(t), f1 = t->fsal ? t->stages - 1 : t->stages;
    double v[TAB_MAX_STAGES];
    int m, j, deg;

    memset(w, 0, TAB_MAX_DEG * sizeof *w);
    if (t->dense_form == TAB_DENSE_POLY) {
        for (m = 0; m < t->dense_rows; m++)
            for (j = 0; j < ns; j++)
                w[m][j] = t->dense[m][j];
        return t->dense_rows;
    }
    /* Hermite part in the nested form (tableau.h): with y_{n+1} - y_n =
       h sum b_j K_j, r1, r2, r3 have the weights b, e_0 - b and
       2 b - e_0 - e_f1, and r_i multiplies theta^ceil(i/2)
       (1-theta)^floor(i/2). */
    for (j = 0; j < ns; j++)
        v[j] = t->b[j];
    add_basis(w, 1, 0, v, ns);
    for (j = 0; j < ns; j++)
        v[j] = (j == 0) - t->b[j];
    add_basis(w, 1, 1, v, ns);
    for (j = 0; j < ns; j++)
        v[j] = 2.0 * t->b[j] - (j == 0) - (j == f1);
    add_basis(w, 2, 1, v, ns);
    deg = 3;
    if (t->dense_form == TAB_DENSE_NESTED)
        for (m = 0; m < t->dense_rows; m++) {
            int i = 4 + m;
            add_basis(w, (i + 1) / 2, i / 2, t->dense[m], ns);
            deg = i;
        }
    return deg;
}

const char *tab_closest(const char *name)
{
    const char *best = tab_all[0]->name;
    size_t dbest = (size_t)-1, i;

    for (i = 0; i < TAB_N; i++) {
        size_t d = edit_distance(name ? name : "", tab_all[i]->name);
        if (d < dbest) {
            dbest = d;
            best = tab_all[i]->name;
        }
    }
    return best;
}

const char *tab_from_xpp(const char *meth, const char **closest)
{
    const struct rk_tableau *t;
    const char *ours = NULL, *instead = NULL, *near = NULL;
    size_t i, len, dbest = (size_t)-1, hits = 0;

    if (!meth)
        meth = "";
    len = strlen(meth);
    t = tab_find(meth);
    if (t)
        return t->name;
    for (i = 0; i < XPP_N; i++)
        if (same_name(meth, xpp_names[i].name)) {
            ours = xpp_names[i].ours;
            instead = xpp_names[i].instead;
            hits = 1;
            break;
        }
    /* A shortened name ("dopri", "runge", "mod"), when every name it
       starts means the same method. */
    if (!hits && len >= 2) {
        bool same = true;
        for (i = 0; i < TAB_N; i++)
            if (is_prefix(meth, tab_all[i]->name)) {
                same = same && (!hits || (ours && !strcmp(ours, tab_all[i]->name)));
                ours = tab_all[i]->name;
                instead = NULL;
                hits++;
            }
        for (i = 0; i < XPP_N; i++)
            if (is_prefix(meth, xpp_names[i].name)) {
                const struct xpp_name *x = &xpp_names[i];
                same = same && (!hits || (x->ours ? ours && !strcmp(ours, x->ours)
                                                  : !ours && !strcmp(instead, x->instead)));
                ours = x->ours;
                instead = x->instead;
                hits++;
            }
        if (!same)
            hits = 0;
    }
    /* XPPAUT itself reads a single letter (load_eqn.c keys
       "demragvbqsc582y"); longer unknown names get a suggestion instead of
       whatever their first letter would select. */
    if (!hits && len == 1)
        for (i = 0; i < XPP_N; i++)
            if (xpp_names[i].key && xpp_names[i].key == tolower((unsigned char)meth[0])) {
                ours = xpp_names[i].ours;
                instead = xpp_names[i].instead;
                hits = 1;
                break;
            }
    if (hits) {
        if (!ours && closest)
            *closest = instead;
        return ours;
    }
    for (i = 0; i < TAB_N; i++) {
        size_t d = edit_distance(meth, tab_all[i]->name);
        if (d < dbest) {
            dbest = d;
            near = tab_all[i]->name;
        }
    }
    for (i = 0; i < XPP_N; i++) {
        size_t d = edit_distance(meth, xpp_names[i].name);
        if (d < dbest) {
            dbest = d;
            near = xpp_names[i].ours ? xpp_names[i].ours : xpp_names[i].instead;
        }
    }
    if (closest)
        *closest = near;
    return NULL;
}
