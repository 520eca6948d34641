import numpy as np, sys, json
from scipy.stats import spearmanr
from scipy.optimize import nnls
from data import DEV
from fewshot import space, select

def wridge(Z,y,lam,w,pen=None):
    """min sum (w*(y-b-Z c))^2 + lam*n*|c|^2 ; b unpenalized. returns (b,c)"""
    n,p=Z.shape; A=np.hstack([np.ones((n,1)),Z])*w[:,None]
    R=np.eye(p+1)*lam*n; R[0,0]=0
    c=np.linalg.solve(A.T@A+R+1e-9*np.eye(p+1),A.T@(y*w)); return c
def wnnls(Z,y,w):
    A=np.hstack([np.ones((len(y),1)),-np.ones((len(y),1)),Z])*w[:,None]
    c,_=nnls(A,y*w); return np.concatenate([[c[0]-c[1]],c[2:]])

class Model:
    """stage1: 'best1' | 'nnls' | 'ridge' | 'none' over source-table predictions (standardized);
       stage2: ridge correction on op-class counts C (relative residual), lam2=None -> off"""
    def __init__(s,stage1,lam1,lam2,C):
        s.stage1,s.lam1,s.lam2,s.C=stage1,lam1,lam2,C
    def fit(s,Pz,y,idx):
        sc=np.exp(np.mean(np.log(y))); yn=y/sc; w=1/yn; Z=Pz[idx]
        if s.stage1=='best1':
            j=int(np.argmax([np.corrcoef(Z[:,k],yn)[0,1] for k in range(Z.shape[1])]))
            c=wridge(Z[:,[j]],yn,0,w); s.c1=np.zeros(Z.shape[1]+1); s.c1[0]=c[0]; s.c1[1+j]=c[1]
        elif s.stage1=='nnls': s.c1=wnnls(Z,yn,w)
        elif s.stage1=='ridge': s.c1=wridge(Z,yn,s.lam1,w)
        else: s.c1=np.zeros(Z.shape[1]+1); s.c1[0]=np.sum(yn*w*w)/np.sum(w*w)
        r=yn-(s.c1[0]+Z@s.c1[1:])
        if s.lam2 is not None:
            s.c2=wridge(s.C[idx],r,s.lam2,w)
        else: s.c2=None
        s.sc=sc; return s
    def predict(s,Pz,rows=slice(None)):
        p=s.c1[0]+Pz[rows]@s.c1[1:]
        if s.c2 is not None: p=p+s.c2[0]+s.C[rows]@s.c2[1:]
        return p*s.sc

def fit_cv(Pz,y,idx,grid,C):
    n=len(idx); best=None
    for (st,l1,l2) in grid:
        lp=np.empty(n)
        for i in range(n):
            m=np.arange(n)!=i; mdl=Model(st,l1,l2,C).fit(Pz,y[m],idx[m]); lp[i]=mdl.predict(Pz,idx[i:i+1])[0]
        floor=0.5*y.min(); lp=np.maximum(lp,floor)
        err=np.mean((lp/y-1)**2)
        if best is None or err<best[0]-1e-12: best=(err,(st,l1,l2),lp)
    return Model(*best[1],C).fit(Pz,y,idx),best[2],best[1]

L1=[1e-3,1e-2,1e-1,1]; L2=[None,1e-3,1e-2,1e-1,1]
VARIANTS={
 'cls_N':[('none',0,l) for l in L2[1:]],
 'best1':[('best1',0,None)],
 'nnls':[('nnls',0,None)],
 'ridge':[('ridge',l,None) for l in L1],
 'best1+cls':[('best1',0,l) for l in L2],
 'nnls+cls':[('nnls',0,l) for l in L2],
 'ridge+cls':[('ridge',a,b) for a in L1 for b in L2],
 'auto':[('best1',0,l) for l in L2]+[('nnls',0,l) for l in L2]+[('ridge',a,b) for a in L1 for b in L2],
}
def run(name,Ns=(10,20),seeds=range(5),sels=('dopt','rand','kcenter_ops'),clskind='cls'):
    G,Y,Xs,cls,ops=space(name)
    P=np.zeros_like(Y)
    for j in range(Y.shape[1]):
        m=~np.isnan(Y[:,j]); A=np.hstack([np.ones((m.sum(),1)),Xs[m]])
        c,*_=np.linalg.lstsq(A/Y[m,j][:,None],np.ones(m.sum()),rcond=1e-10); P[:,j]=np.hstack([np.ones((len(Y),1)),Xs])@c
    C=cls if clskind=='cls' else cls[:,:4]
    C=(C-C.mean(0))/(C.std(0)+1e-12)
    res=[]
    for t,dev in enumerate(DEV):
        src=[j for j in range(len(DEV)) if j!=t]
        Ps=P[:,src]; Pz=(Ps-Ps.mean(0))/Ps.std(0); logPs=np.log(np.maximum(Ps,1e-3))
        yt=Y[:,t]; ev=~np.isnan(yt); cand=np.where(ev)[0]
        for N in Ns:
         for sm in sels:
          for seed in seeds:
            rng=np.random.default_rng(1000*seed+N)
            idx=cand[select(sm,N,logPs[cand],ops[cand],rng)]; y=yt[idx]
            for v,grid in VARIANTS.items():
                mdl,loo,hp=fit_cv(Pz,y,idx,grid,C)
                p=np.maximum(mdl.predict(Pz),0.5*y.min())
                e=yt[ev]; q=p[ev]
                res.append(dict(space=name,dev=dev,N=N,sel=sm,seed=seed,var=v,sp=spearmanr(q,e)[0],w10=np.mean(abs(q/e-1)<.1),
                    mape=np.mean(abs(q/e-1)),loo_mape=np.mean(abs(loo/y-1)),loo_w10=np.mean(abs(loo/y-1)<.1),hp=str(hp),
                    nfloor=int(np.sum(mdl.predict(Pz)<0.5*y.min()))))
        print(name,dev,'done',file=sys.stderr,flush=True)
    return res
if __name__=='__main__':
    name=sys.argv[1]; tag=sys.argv[2] if len(sys.argv)>2 else 'cls'
    res=run(name,clskind=tag); json.dump(res,open(f'res2_{name}_{tag}.json','w'))
