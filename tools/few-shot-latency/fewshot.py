import numpy as np, sys, json
from scipy.stats import spearmanr
from scipy.optimize import nnls
from data import DEV, load_nb201, load_fbnet, onehot, nb201_live

LAMS=[0.0,1e-4,1e-3,1e-2,1e-1,1,10]

def space(name):
    if name=='nb201':
        G,Y,k=load_nb201(); Xs=nb201_live(G)           # source-table features
        cnt=np.stack([(G==o).sum(1) for o in range(1,5)],1).astype(float)
        L=Xs[:,30:]; lcnt=np.stack([L[:,1+np.arange(6)*5+o].sum(1) for o in range(1,5)],1)
        cls=np.hstack([cnt,L[:,:1],lcnt])               # op-class counts (+connected, live counts)
        ops=cnt/6
    else:
        G,Y,k,_=load_fbnet(); Xs=onehot(G,k)
        cls=np.stack([(G==o).sum(1) for o in range(k)],1).astype(float)[:,:-1]  # 8 block-kind counts (skip dropped)
        ops=cls/22
    return G,Y,Xs,cls,ops

def ridge_fit(Z,y,lam,w):
    # min sum w^2 (y - b - Z beta)^2 + lam*n*|beta|^2 ; Z already standardized; b unpenalized
    n,p=Z.shape; A=np.hstack([np.ones((n,1)),Z])*w[:,None]; t=y*w
    R=np.eye(p+1)*lam*n; R[0,0]=0
    c=np.linalg.solve(A.T@A+R+1e-10*np.eye(p+1),A.T@t); return c
def pred(Z,c): return c[0]+Z@c[1:]
def nnls_fit(Z,y,lam,w):
    A=np.hstack([np.ones((len(y),1)),-np.ones((len(y),1)),Z])*w[:,None]
    if lam>0: A=np.vstack([A,np.hstack([np.zeros((Z.shape[1],2)),np.eye(Z.shape[1])*np.sqrt(lam*len(y))])]); t=np.concatenate([y*w,np.zeros(Z.shape[1])])
    else: t=y*w
    c,_=nnls(A,t); return np.concatenate([[c[0]-c[1]],c[2:]])

def fit_cv(Z,y,fitter,lams,log=False):
    """choose lam by LOO relative squared error on the N points; return coef, loo preds"""
    n=len(y); best=None
    yt=np.log(y) if log else y; w=np.ones(n) if log else 1/y
    for lam in lams:
        lp=np.empty(n)
        for i in range(n):
            m=np.arange(n)!=i; c=fitter(Z[m],yt[m],lam,w[m]); lp[i]=pred(Z[i:i+1],c)[0]
        if log: lp=np.exp(lp)
        err=np.mean((lp/y-1)**2)
        if best is None or err<best[0]-1e-12: best=(err,lam,lp)
    c=fitter(Z,yt,best[1],w); return c,best[2],best[1]

def select(method,N,F,ops,rng,npool=3000):
    n=len(F)
    if method=='rand': return rng.choice(n,N,replace=False)
    Fz=(F-F.mean(0))/F.std(0)
    if method=='strat':
        u,s,vt=np.linalg.svd(Fz-Fz.mean(0),full_matrices=False); z=Fz@vt[0]
        o=np.argsort(z); bins=np.array_split(o,N); return np.array([rng.choice(b) for b in bins])
    if method in('kcenter','kcenter_ops'):
        H=Fz if method=='kcenter' else np.hstack([Fz,(ops-ops.mean(0))/(ops.std(0)+1e-9)])
        pool=rng.choice(n,min(npool,n),replace=False); Hp=H[pool]
        sel=[rng.integers(len(pool))]; d=((Hp-Hp[sel[0]])**2).sum(1)
        for _ in range(N-1):
            j=int(np.argmax(d)); sel.append(j); d=np.minimum(d,((Hp-Hp[j])**2).sum(1))
        return pool[sel]
    if method=='dopt':
        pool=rng.choice(n,min(npool,n),replace=False); A=np.hstack([np.ones((len(pool),1)),Fz[pool]])
        M=np.eye(A.shape[1])*1e-3; sel=[]
        for _ in range(N):
            Mi=np.linalg.inv(M); g=np.einsum('ij,jk,ik->i',A,Mi,A); g[sel]=-1; j=int(np.argmax(g)); sel.append(j); M+=np.outer(A[j],A[j])
        return pool[sel]

def run(name,Ns=(10,20),seeds=range(5),sels=('rand','strat','kcenter','kcenter_ops','dopt'),variants=None,verbose=True):
    G,Y,Xs,cls,ops=space(name)
    # source tables: full-data relative WLS per device
    P=np.zeros_like(Y)
    for j in range(Y.shape[1]):
        m=~np.isnan(Y[:,j]); A=np.hstack([np.ones((m.sum(),1)),Xs[m]])
        c,*_=np.linalg.lstsq(A/Y[m,j][:,None],np.ones(m.sum()),rcond=1e-10); P[:,j]=np.hstack([np.ones((len(Y),1)),Xs])@c
    clsz=(cls-cls.mean(0))/(cls.std(0)+1e-12)
    Xsz=Xs-Xs.mean(0)
    res=[]
    for t,dev in enumerate(DEV):
        src=[j for j in range(len(DEV)) if j!=t]
        Ps=P[:,src]; Psz=(Ps-Ps.mean(0))/Ps.std(0)
        logPs=np.log(np.maximum(Ps,1e-3)); logPz=(logPs-logPs.mean(0))/logPs.std(0)
        yt=Y[:,t]; ev=~np.isnan(yt)
        for N in Ns:
         for sm in sels:
          for seed in seeds:
            rng=np.random.default_rng(1000*seed+N)
            cand=np.where(ev)[0]
            idx=cand[select(sm,N,logPs[cand],ops[cand],rng)]
            y=yt[idx]
            out={}
            def rec(key,p,loo,lam=None):
                p=np.maximum(p,floor)
                e=yt[ev]; q=p[ev]
                out[key]=dict(sp=spearmanr(q,e)[0],w10=np.mean(abs(q/e-1)<.1),mape=np.mean(abs(q/e-1)),
                              loo_mape=np.mean(abs(loo/y-1)),loo_w10=np.mean(abs(loo/y-1)<.1),lam=lam)
            floor=0.5*y.min()   # positivity guard
            # B1: table on N points alone (ridge, one-hot of the source-table features)
            c,l,lam=fit_cv(Xsz[idx],y,ridge_fit,[1e-3,1e-2,1e-1,1,10]); rec('table_N',pred(Xsz,c),l,lam)
            # B1b: op-class counts only
            c,l,lam=fit_cv(clsz[idx],y,ridge_fit,LAMS); rec('cls_N',pred(clsz,c),l,lam)
            # B2: best single source (Pearson on N points), y=a*P+b
            cors=[np.corrcoef(Ps[idx,s],y)[0,1] for s in range(len(src))]; s=int(np.argmax(cors))
            c,l,lam=fit_cv(Ps[idx][:,[s]],y,ridge_fit,[0.0]); rec('best1',pred(Ps[:,[s]],c),l)
            # M1: NNLS mix
            c,l,lam=fit_cv(Psz[idx],y,nnls_fit,[0.0,1e-3,1e-2,1e-1]); rec('nnls_mix',pred(Psz,c),l,lam)
            # M2: ridge mix
            c,l,lam=fit_cv(Psz[idx],y,ridge_fit,LAMS); rec('ridge_mix',pred(Psz,c),l,lam)
            # M3: ridge mix + op-class counts
            Z=np.hstack([Psz,clsz]); c,l,lam=fit_cv(Z[idx],y,ridge_fit,LAMS); rec('ridge_mix_cls',pred(Z,c),l,lam)
            # M3b: nnls mix + op-class (signed counts via +/-)
            Z2=np.hstack([Psz,clsz,-clsz]); c,l,lam=fit_cv(Z2[idx],y,nnls_fit,[0.0,1e-3,1e-2,1e-1]); rec('nnls_mix_cls',pred(Z2,c),l,lam)
            # M5: log-space ridge mix (not additive; reference)
            c,l,lam=fit_cv(logPz[idx],y,ridge_fit,LAMS,log=True); rec('log_mix',np.exp(pred(logPz,c)),l,lam)
            for k,v in out.items(): res.append(dict(space=name,dev=dev,N=N,sel=sm,seed=seed,var=k,**v))
        if verbose: print(name,dev,'done',file=sys.stderr)
    return res

if __name__=='__main__':
    name=sys.argv[1]; res=run(name)
    json.dump(res,open(f'res_{name}.json','w'))
